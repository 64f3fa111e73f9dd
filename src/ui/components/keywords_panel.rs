use std::rc::Rc;

use yew::prelude::*;

use crate::core::keywords::Keywords;
use crate::ui::state::Action;

#[derive(Properties, PartialEq)]
pub struct KeywordsPanelProps {
    pub keywords: Option<Rc<Keywords>>,
    pub marked: Option<String>,
    pub on_action: Callback<Action>,
}

#[derive(Clone, Copy, PartialEq)]
enum Ranking {
    Frequency,
    TextRank,
}

/// The article's top words three ways; clicking one marks its occurrences.
#[component]
pub fn KeywordsPanel(props: &KeywordsPanelProps) -> Html {
    let ranking = use_state(|| Ranking::Frequency);
    let Some(keywords) = &props.keywords else {
        return html! {
            <section class="panel keywords">
                <h3>{ "关键词" }</h3>
                <p class="hint">{ "分词完成后显示。" }</p>
            </section>
        };
    };
    let list = match *ranking {
        Ranking::Frequency => &keywords.frequency,
        Ranking::TextRank => &keywords.textrank,
    };
    let tab = |r: Ranking, label: &'static str| {
        let ranking = ranking.clone();
        let on = *ranking == r;
        html! {
            <button type="button" role="tab" aria-selected={on.to_string()} class={classes!("tab", on.then_some("on"))}
                onclick={Callback::from(move |_| ranking.set(r))}>{ label }</button>
        }
    };
    let items = list.iter().map(|(word, weight)| {
        let on = props.marked.as_deref() == Some(word.as_str());
        let on_action = props.on_action.clone();
        let w = word.clone();
        let figure = match *ranking {
            Ranking::Frequency => format!("{weight:.0}"),
            _ => format!("{weight:.2}"),
        };
        html! {
            <li>
                <button type="button" class={classes!("keyword", on.then_some("on"))} data-keyword={word.clone()}
                    aria-pressed={on.to_string()} onclick={Callback::from(move |_| on_action.emit(Action::MarkWord(Some(w.clone()))))}>
                    <span class="word">{ word.clone() }</span>
                    <span class="weight">{ figure }</span>
                </button>
            </li>
        }
    });
    html! {
        <section class="panel keywords">
            <h3>{ "关键词" }<span class="hint">{ "点击标出全文位置 · Esc 清除" }</span></h3>
            <div class="tabs" role="tablist">
                { tab(Ranking::Frequency, "词频") }
                { tab(Ranking::TextRank, "TextRank") }
            </div>
            <ol class="keyword-list">{ for items }</ol>
        </section>
    }
}
