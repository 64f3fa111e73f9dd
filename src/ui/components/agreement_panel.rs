//! Agreement between two annotators on the open document: per tag, span
//! F1 (exact and overlapping) and Cohen's kappa over jieba's words, with
//! each disagreement listed (a click shows it in the text), and the word
//! labels downloadable to check the kappa elsewhere.

use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::core::agreement::{self, Span};
use crate::core::team;
use crate::platform::{clock, files};
use crate::ui::state::{Action, AppState};

#[derive(Properties, PartialEq)]
pub struct AgreementPanelProps {
    pub state: UseReducerHandle<AppState>,
    /// Everyone who annotated this document.
    pub annotators: Rc<Vec<String>>,
    pub on_action: Callback<Action>,
}

#[component]
pub fn AgreementPanel(props: &AgreementPanelProps) -> Html {
    let state = &props.state;
    let names = &props.annotators;
    let pair = use_state(|| {
        (
            names.first().cloned().unwrap_or_default(),
            names.get(1).cloned().unwrap_or_default(),
        )
    });
    let (name_a, name_b) = (*pair).clone();
    let creators = state.sync.creators.clone();
    let all = state.store.shared();
    let spans = use_memo(
        (
            all.clone(),
            creators.clone(),
            name_a.clone(),
            name_b.clone(),
        ),
        |(all, creators, a, b)| {
            (
                agreement::annotator_spans(all, creators, a),
                agreement::annotator_spans(all, creators, b),
            )
        },
    );
    let (spans_a, spans_b) = &*spans;
    let plain = |s: &[(Span, String)]| s.iter().map(|(x, _)| x.clone()).collect::<Vec<_>>();
    let (plain_a, plain_b) = (plain(spans_a), plain(spans_b));
    let mut tags: Vec<String> = plain_a
        .iter()
        .chain(&plain_b)
        .map(|s| s.tag.clone())
        .collect();
    tags.sort();
    tags.dedup();
    let tokens = state.tokens().cloned();
    let results = tokens
        .as_ref()
        .map(|t| agreement::agreement(t, &plain_a, &plain_b, &tags))
        .unwrap_or_default();
    let choose = |which: usize| {
        let pair = pair.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                let mut p = (*pair).clone();
                if which == 0 {
                    p.0 = s.value();
                } else {
                    p.1 = s.value();
                }
                pair.set(p);
            }
        })
    };
    let select = |which: usize, current: &str| {
        html! {
            <select data-agreement={if which == 0 { "a" } else { "b" }} onchange={choose(which)}>
                { for names.iter().map(|n| html! { <option value={n.clone()} selected={n == current}>{ n.clone() }</option> }) }
            </select>
        }
    };
    let close = {
        let on_action = props.on_action.clone();
        Callback::from(move |_| on_action.emit(Action::ToggleAgreement))
    };
    let download = {
        let article = state.article.clone();
        let tokens = tokens.clone();
        let (a, b, tags) = (plain_a.clone(), plain_b.clone(), tags.clone());
        let on_action = props.on_action.clone();
        let file = format!(
            "{}-一致性-{name_a}-{name_b}",
            files::safe_file_name(state.article.title())
        );
        Callback::from(move |_| {
            let Some(tokens) = &tokens else { return };
            let csv = agreement::word_labels_csv(&article.source, tokens, &a, &b, &tags);
            let date: String = clock::now_rfc3339().chars().take(10).collect();
            if let Err(e) = files::download_bytes(&format!("{file}-{date}.csv"), "text/csv", &csv) {
                on_action.emit(Action::Notify(e));
            }
        })
    };
    let percent = |x: f64| format!("{:.1}%", x * 100.0);
    let rows = results.iter().map(|r| {
        let kappa = r.kappa.map_or_else(|| "—".to_string(), |k| format!("{k:.3}"));
        html! {
            <tr data-agreement-tag={r.tag.clone()} data-kappa={r.kappa.map(|k| format!("{k:.12}"))}
                data-f1-exact={format!("{:.12}", r.exact.f1)} data-f1-overlap={format!("{:.12}", r.overlap.f1)}>
                <th scope="row">{ r.tag.clone() }</th>
                <td class="count">{ r.spans_a }</td>
                <td class="count">{ r.spans_b }</td>
                <td class="count">{ percent(r.exact.f1) }</td>
                <td class="count">{ percent(r.overlap.f1) }</td>
                <td class="count">{ kappa }</td>
            </tr>
        }
    });
    let tag_color = |t: &str| {
        all.tag(t)
            .map_or_else(|| "#868e96".to_string(), |t| t.color.clone())
    };
    let id_of = |by_a: bool, s: &Span| {
        let side = if by_a { spans_a } else { spans_b };
        side.iter().find(|(x, _)| x == s).map(|(_, id)| id.clone())
    };
    let disagreements: Vec<Html> = results
        .iter()
        .flat_map(|r| r.disagreements.iter())
        .filter_map(|(by_a, s)| {
            let id = id_of(*by_a, s)?;
            let who = if *by_a { &name_a } else { &name_b };
            let quote: String = state.article.slice(s.start, s.end).chars().take(40).collect();
            let on_action = props.on_action.clone();
            let focus_id = id.clone();
            let onclick = Callback::from(move |_: MouseEvent| {
                on_action.emit(Action::ToggleAgreement);
                on_action.emit(Action::Focus(focus_id.clone()));
            });
            Some(html! {
                <li>
                    <button type="button" class="link" data-disagreement={id} {onclick}>
                        <span class="creator" style={format!("--creator: {}", team::color(who))}>{ team::initials(who) }</span>
                        <span class="chip" style={format!("--chip: {}", tag_color(&s.tag))}>{ s.tag.clone() }</span>
                        { format!(" {quote}") }
                        <span class="hint">{ format!("（只有 {who} 这样标）") }</span>
                    </button>
                </li>
            })
        })
        .collect();
    html! {
        <div class="overlay" role="dialog" aria-label="标注者一致性" data-dialog="agreement">
            <div class="dialog agreement">
                <header>
                    <h2>{ "标注者一致性" }</h2>
                    <button type="button" class="tool" data-action="export-agreement" onclick={download}
                        disabled={tokens.is_none()} title="每个词在各标签下两人是否标注（0/1），即 kappa 的计算依据">{ "导出词标签 CSV" }</button>
                    <button type="button" class="tool" onclick={close}>{ "关闭" }<kbd>{ "Esc" }</kbd></button>
                </header>
                <p class="agreement-pair">{ "比较 " }{ select(0, &name_a) }{ " 与 " }{ select(1, &name_b) }</p>
                if tokens.is_none() {
                    <p class="hint">{ "分词完成后计算 kappa。" }</p>
                } else if results.is_empty() {
                    <p class="hint">{ "这两位在本文档还没有带标签的标注。" }</p>
                } else {
                    <table class="stats-table agreement-table">
                        <thead><tr>
                            <th>{ "标签" }</th><th>{ name_a.clone() }</th><th>{ name_b.clone() }</th>
                            <th title="起止与标签都相同才算一致">{ "F1（精确）" }</th>
                            <th title="与对方同标签的片段有重叠即算一致">{ "F1（重叠）" }</th>
                            <th title="在 jieba 分出的词上，按是否被该标签覆盖计算">{ "Cohen's κ" }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                    <h3>{ format!("不一致之处（{}）", disagreements.len()) }</h3>
                    <ul class="disagreements">{ for disagreements }</ul>
                }
            </div>
        </div>
    }
}
