use std::collections::HashMap;
use std::rc::Rc;

use yew::prelude::*;

use crate::core::library;
use crate::core::statistics::{self, Statistics};
use crate::platform::{clock, files, storage};
use crate::ui::state::{Action, AppState};

#[derive(Properties, PartialEq)]
pub struct StatisticsPanelProps {
    pub state: UseReducerHandle<AppState>,
    pub on_action: Callback<Action>,
}

/// Bars of a chart: width for the largest count.
const BAR_MAX_PX: f64 = 260.0;
const BAR_HEIGHT_PX: f64 = 22.0;
const LABEL_PX: f64 = 120.0;

/// Counts per tag and per relation label in this document and the
/// library, per section, and the most frequent annotated words, drawn as
/// SVG bar charts; all of it downloadable as CSV.
#[component]
pub fn StatisticsPanel(props: &StatisticsPanelProps) -> Html {
    let state = &props.state;
    let tokens = state.tokens().cloned().unwrap_or_default();
    let stats = use_memo(
        (state.store.shared(), state.article.clone(), tokens),
        |(all, article, tokens)| statistics::compute(article, all, tokens, 1),
    );
    // Every document's counts per tag: the stored ones of the others, read
    // once when the panel opens, plus this one's from memory.
    let doc = state.article.sha256();
    let library_counts = use_memo(stats.clone(), move |stats| {
        let stored = storage::entries_with_prefix("mozhu.v2.").unwrap_or_default();
        let usage = library::tag_usage(stored.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut totals: HashMap<String, usize> = usage
            .into_iter()
            .map(|(tag, per_doc)| {
                let others: usize = per_doc
                    .iter()
                    .filter(|(d, _)| **d != doc)
                    .map(|(_, n)| n)
                    .sum();
                (tag, others)
            })
            .collect();
        for (t, n) in stats.tags.iter().chain(&stats.relations) {
            *totals.entry(t.clone()).or_default() += n;
        }
        let mut list: Vec<(String, usize)> = totals.into_iter().filter(|(_, n)| *n > 0).collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list
    });
    let all = state.store.state();
    let color = |t: &str| {
        all.tag(t)
            .map_or_else(|| "#868e96".to_string(), |t| t.color.clone())
    };
    let close = {
        let on_action = props.on_action.clone();
        Callback::from(move |_| on_action.emit(Action::ToggleStatistics))
    };
    let download = {
        let stats: Rc<Statistics> = stats.clone();
        let library_counts = library_counts.clone();
        let title = files::safe_file_name(state.article.title());
        let on_action = props.on_action.clone();
        Callback::from(move |_| {
            let date: String = clock::now_rfc3339().chars().take(10).collect();
            let name = format!("{title}-统计-{date}.csv");
            let csv = statistics::to_csv(&stats, &library_counts);
            if let Err(e) = files::download_bytes(&name, "text/csv", &csv) {
                on_action.emit(Action::Notify(e));
            }
        })
    };
    let sections = stats.sections.iter().map(|s| {
        html! {
            <tr>
                <th scope="row">{ s.title.clone() }</th>
                <td class="count">{ s.total }</td>
                <td>{ for s.counts.iter().map(|(t, n)| html! {
                    <span class="chip" style={format!("--chip: {}", color(t))}>{ format!("{t} {n}") }</span>
                }) }</td>
            </tr>
        }
    });
    let words = stats.top_words.iter().map(|(t, list)| {
        html! {
            <tr>
                <th scope="row"><span class="chip" style={format!("--chip: {}", color(t))}>{ t.clone() }</span></th>
                <td>{ list.iter().map(|(w, n)| format!("{w}（{n}）")).collect::<Vec<_>>().join("、") }</td>
            </tr>
        }
    });
    html! {
        <div class="overlay" role="dialog" aria-label="统计" data-dialog="statistics">
            <div class="dialog statistics">
                <header>
                    <h2>{ "统计" }</h2>
                    <button type="button" class="tool" data-action="export-statistics" onclick={download}>{ "导出 CSV" }</button>
                    <button type="button" class="tool" onclick={close}>{ "关闭" }<kbd>{ "Esc" }</kbd></button>
                </header>
                <h3>{ "本文档各标签" }</h3>
                { bar_chart("本文档各标签的标注数", &stats.tags, &color) }
                if !stats.relations.is_empty() {
                    <h3>{ "关系" }</h3>
                    { bar_chart("本文档各关系的数量", &stats.relations, &color) }
                }
                <h3>{ "全文库各标签" }</h3>
                { bar_chart("全文库各标签的标注数", &library_counts, &color) }
                if !stats.sections.is_empty() {
                    <h3>{ "按章节" }</h3>
                    <table class="stats-table"><tbody>{ for sections }</tbody></table>
                }
                if !stats.top_words.is_empty() {
                    <h3>{ "各标签最常标注的词" }</h3>
                    <table class="stats-table"><tbody>{ for words }</tbody></table>
                }
            </div>
        </div>
    }
}

/// A horizontal bar chart (SVG) of `(name, count)`, bars in the tags' colours.
fn bar_chart(title: &str, rows: &[(String, usize)], color: &dyn Fn(&str) -> String) -> Html {
    if rows.is_empty() {
        return html! { <p class="hint">{ "还没有标注。" }</p> };
    }
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let height = BAR_HEIGHT_PX * rows.len() as f64;
    let width = LABEL_PX + BAR_MAX_PX + 60.0;
    let bars = rows.iter().enumerate().map(|(i, (name, n))| {
        let y = i as f64 * BAR_HEIGHT_PX;
        let w = (*n as f64 / max * BAR_MAX_PX).max(2.0);
        html! {
            <g data-bar={name.clone()}>
                <text class="bar-name" x={format!("{:.0}", LABEL_PX - 8.0)} y={format!("{:.1}", y + BAR_HEIGHT_PX / 2.0)}>{ name.clone() }</text>
                <rect x={format!("{LABEL_PX:.0}")} y={format!("{:.1}", y + 3.0)} width={format!("{w:.1}")}
                    height={format!("{:.1}", BAR_HEIGHT_PX - 6.0)} rx="3" fill={color(name)} />
                <text class="bar-count" x={format!("{:.1}", LABEL_PX + w + 6.0)} y={format!("{:.1}", y + BAR_HEIGHT_PX / 2.0)}>{ n }</text>
            </g>
        }
    });
    html! {
        <svg class="bar-chart" role="img" aria-label={title.to_string()} width={format!("{width:.0}")}
            height={format!("{height:.0}")} viewBox={format!("0 0 {width:.0} {height:.0}")}>
            <title>{ title.to_string() }</title>
            { for bars }
        </svg>
    }
}
