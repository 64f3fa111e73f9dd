use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::core::segment::UserDict;
use crate::ui::state::Action;

#[derive(Properties, PartialEq)]
pub struct UserDictPanelProps {
    pub dict: UserDict,
    /// The selected text, offered as the word to add.
    pub selection_text: Option<String>,
    pub on_action: Callback<Action>,
}

/// The person's own dictionary: words to keep whole, words to cut
/// (written `甲/乙`). Changes re-segment the article at once.
#[component]
pub fn UserDictPanel(props: &UserDictPanelProps) -> Html {
    let input = use_node_ref();
    let submit = |split: bool| {
        let input = input.clone();
        let on_action = props.on_action.clone();
        let selection = props.selection_text.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(field) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let typed = field.value().trim().to_string();
            let word = if typed.is_empty() {
                selection.clone().unwrap_or_default()
            } else {
                typed
            };
            if word.is_empty() {
                return;
            }
            if split || word.contains('/') {
                on_action.emit(Action::SplitWord(word));
            } else {
                on_action.emit(Action::JoinWord(word));
            }
            field.set_value("");
        })
    };
    let entries = props
        .dict
        .join
        .iter()
        .map(|w| (w.clone(), "合"))
        .chain(props.dict.split.iter().map(|w| (w.clone(), "分")));
    let items = entries.map(|(w, badge)| {
        let on_action = props.on_action.clone();
        let entry = w.clone();
        html! {
            <li data-user-word={w.clone()}>
                <span class="badge">{ badge }</span>
                <span class="word">{ w.clone() }</span>
                <button type="button" class="remove" title="删除" aria-label={format!("删除 {w}")}
                    onclick={Callback::from(move |_| on_action.emit(Action::RemoveUserWord(entry.clone())))}>{ "×" }</button>
            </li>
        }
    });
    let placeholder = props.selection_text.as_ref().map_or(
        "如 成渝地区双城经济圈；拆分写 双城/经济圈".to_string(),
        |s| format!("选中：{s}"),
    );
    html! {
        <section class="panel user-dict">
            <h3>{ "自定义词典" }</h3>
            <form class="dict-form" onsubmit={submit(false)} data-action="user-dict-form">
                <input ref={input} type="text" name="word" maxlength="40" placeholder={placeholder}
                    aria-label="自定义词" data-action="user-dict-input" />
                <button type="submit" class="tool" data-action="user-dict-add">{ "加入" }</button>
            </form>
            <ul class="dict-list">{ for items }</ul>
        </section>
    }
}
