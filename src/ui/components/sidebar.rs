use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::core::annotation::{Annotation, Target};
use crate::core::store::Command;
use crate::core::team;
use crate::platform::dom;
use crate::ui::components::relation_popup::short_quote;
use crate::ui::highlight::{chips, Chip};
use crate::ui::state::{Action, AppState, Popup, PopupTarget, RelationPopup};

/// How many orphans are listed at first, and added per click.
const ORPHAN_PAGE: usize = 100;

/// How many entries the list shows at once: thousands of annotations are
/// listed a window at a time, so a filter or search draws 100 entries,
/// not all (the list box shows about five; the rest scroll).
const ENTRY_WINDOW: usize = 100;

#[derive(Properties, PartialEq)]
pub struct SidebarProps {
    pub state: UseReducerHandle<AppState>,
    pub on_action: Callback<Action>,
}

/// Every annotation in document order, filterable by tag and searchable in
/// quotes and notes; an entry scrolls to its highlight, and can be edited or
/// deleted.
#[component]
pub fn Sidebar(props: &SidebarProps) -> Html {
    let state = &props.state;
    let filter = use_state(|| None::<String>);
    let creator_filter = use_state(|| None::<String>);
    let search = use_state(String::new);
    // Orphans are listed a page at a time: a file of thousands of quotes
    // that are nowhere in the text must not stall the page to list them.
    let orphans_shown = use_state(|| ORPHAN_PAGE);
    let window_start = use_state(|| 0usize);
    let usage = use_memo(state.store.shared(), |all| all.usage_counts());
    let all = state.store.state();
    let query = search.trim().to_lowercase();

    // Sorted once per change of the annotations, not per render.
    let ordered = use_memo(state.store.shared(), |all| {
        all.in_document_order()
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
    });
    // What a search looks in (note, tags, quote; lowercased), made once per
    // change of the annotations while there is a search, in `ordered` order.
    let searched = use_memo(
        (ordered.clone(), !query.is_empty()),
        |(ordered, searching)| {
            if !searching {
                return Vec::new();
            }
            ordered
                .iter()
                .map(|a| {
                    let quote = a.target.quote().map_or("", |q| q.exact.as_str());
                    format!("{}\u{0}{}\u{0}{quote}", a.note, a.tags.join("\u{0}")).to_lowercase()
                })
                .collect::<Vec<_>>()
        },
    );
    // Each annotation's relations, both ways, made once per change.
    let relations = use_memo(state.store.shared(), |all| {
        let mut by_end: std::collections::HashMap<String, Vec<RelationLine>> = Default::default();
        let quote = |id: &str| {
            all.get(id)
                .map(|a| {
                    a.target
                        .quote()
                        .map_or_else(|| "全文".to_string(), |q| q.exact.clone())
                })
                .unwrap_or_default()
        };
        for r in all.relations() {
            let (Some((from, to)), Some(label)) = (r.target.ends(), r.tags.first()) else {
                continue;
            };
            let color = all
                .tag(label)
                .map_or_else(|| "#495057".into(), |t| t.color.clone());
            for (end, other, outgoing) in [(from, to, true), (to, from, false)] {
                by_end
                    .entry(end.to_string())
                    .or_default()
                    .push(RelationLine {
                        id: r.id.clone(),
                        from: from.to_string(),
                        to: to.to_string(),
                        label: label.clone(),
                        color: color.clone(),
                        other: short_quote(&quote(other)),
                        outgoing,
                    });
            }
        }
        by_end
            .into_iter()
            .map(|(k, v)| (k, Rc::<[RelationLine]>::from(v)))
            .collect::<std::collections::HashMap<_, _>>()
    });
    let no_relations: Rc<[RelationLine]> = Rc::from(Vec::new());
    let creators = state.sync.creators.clone();
    // Everyone who annotated this document, for the annotator filter.
    let annotators = use_memo(creators.clone(), |creators| {
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for name in creators.values().filter(|n| !n.is_empty()) {
            *counts.entry(name.clone()).or_default() += 1;
        }
        counts.into_iter().collect::<Vec<_>>()
    });
    let entries: Vec<&Rc<Annotation>> = ordered
        .iter()
        .enumerate()
        // A relation label filters the annotations at either end of one.
        .filter(|(_, a)| {
            filter.as_ref().is_none_or(|f| {
                a.tags.contains(f)
                    || relations
                        .get(&a.id)
                        .is_some_and(|rs| rs.iter().any(|r| r.label == *f))
            })
        })
        .filter(|(_, a)| {
            creator_filter
                .as_ref()
                .is_none_or(|c| creators.get(&a.id) == Some(c))
        })
        .filter(|(i, _)| query.is_empty() || searched[*i].contains(&query))
        .map(|(_, a)| a)
        .collect();
    let total = ordered.len();
    // The window follows the selection (J/K, a click on a highlight).
    let selected_at = state
        .selected
        .as_ref()
        .and_then(|id| entries.iter().position(|a| a.id == *id));
    {
        let window_start = window_start.clone();
        use_effect_with(selected_at, move |at| {
            if let Some(at) = *at {
                if at < *window_start || at >= *window_start + ENTRY_WINDOW {
                    window_start.set(at.saturating_sub(ENTRY_WINDOW / 2));
                }
            }
        });
    }
    let first = (*window_start).min(entries.len().saturating_sub(ENTRY_WINDOW));
    let last = (first + ENTRY_WINDOW).min(entries.len());
    let earlier = {
        let window_start = window_start.clone();
        Callback::from(move |_: MouseEvent| window_start.set(first.saturating_sub(ENTRY_WINDOW)))
    };
    let later = {
        let window_start = window_start.clone();
        Callback::from(move |_: MouseEvent| window_start.set(first + ENTRY_WINDOW))
    };

    let tag_filters = all.tags.iter().map(|t| {
        let on = filter.as_deref() == Some(t.name.as_str());
        let filter = filter.clone();
        let name = t.name.clone();
        html! {
            <button type="button" class={classes!("chip", "filter", on.then_some("on"))} style={format!("--chip: {}", t.color)}
                data-filter-tag={t.name.clone()} aria-pressed={on.to_string()}
                onclick={Callback::from(move |_| filter.set(if on { None } else { Some(name.clone()) }))}>
                { t.name.clone() }<span class="count">{ usage.get(&t.name).copied().unwrap_or(0) }</span>
            </button>
        }
    });

    let creator_filters = annotators.iter().map(|(name, n)| {
        let on = creator_filter.as_deref() == Some(name.as_str());
        let creator_filter = creator_filter.clone();
        let chosen = name.clone();
        html! {
            <button type="button" class={classes!("chip", "filter", "annotator", on.then_some("on"))}
                style={format!("--chip: {}", team::color(name))} data-filter-creator={name.clone()} aria-pressed={on.to_string()}
                title={format!("只看 {name} 的标注")}
                onclick={Callback::from(move |_| creator_filter.set(if on { None } else { Some(chosen.clone()) }))}>
                { name.clone() }<span class="count">{ n }</span>
            </button>
        }
    });
    let items = entries[first..last].iter().map(|a| {
        html! {
            <SidebarEntry key={a.id.as_str()} entry={(*a).clone()} chips={chips(all, a)}
                creator={creators.get(&a.id).cloned()}
                relations={relations.get(&a.id).cloned().unwrap_or_else(|| no_relations.clone())}
                selected={state.selected.as_deref() == Some(a.id.as_str())}
                on_action={props.on_action.clone()} />
        }
    });
    let orphans = all.orphans.iter().take(*orphans_shown).map(|a| {
        let quote = a
            .target
            .quote()
            .map(|q| q.exact.clone())
            .unwrap_or_default();
        let short: String = quote.chars().take(60).collect();
        let delete = {
            let on_action = props.on_action.clone();
            let id = a.id.clone();
            Callback::from(move |_: MouseEvent| {
                on_action.emit(Action::Apply(Command::Delete { id: id.clone() }))
            })
        };
        let chip_views = chips(all, a).into_iter().map(|c| {
            html! { <span class="chip" style={format!("--chip: {}", c.color)}>{ c.name }</span> }
        });
        html! {
            <li class="entry orphan" data-orphan={a.id.clone()}>
                <div class="quote">{ short }</div>
                <div class="entry-tags">{ for chip_views }</div>
                if !a.note.is_empty() { <div class="entry-note">{ a.note.clone() }</div> }
                <div class="entry-actions">
                    <button type="button" class="link danger" onclick={delete}>{ "删除" }</button>
                </div>
            </li>
        }
    });
    let show_more_orphans = {
        let shown = orphans_shown.clone();
        Callback::from(move |_: MouseEvent| shown.set(*shown + ORPHAN_PAGE))
    };
    let on_search = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(el) = e.target_dyn_into::<HtmlInputElement>() {
                search.set(el.value());
            }
        })
    };
    let count = if entries.len() == total {
        format!("{total} 条")
    } else {
        format!("{} / {total} 条", entries.len())
    };
    html! {
        <section class="panel annotations" aria-label="标注列表">
            <h3>{ "标注" }<span class="hint">{ count }</span></h3>
            if !all.tags.is_empty() {
                <div class="tag-filters">{ for tag_filters }</div>
            }
            if annotators.len() > 1 || creator_filter.is_some() {
                <div class="tag-filters" aria-label="按标注者筛选">
                    { for creator_filters }
                    <button type="button" class="link" data-action="agreement" title="标注者一致性 (A)"
                        onclick={props.on_action.reform(|_| Action::ToggleAgreement)}>{ "一致性" }<kbd>{ "A" }</kbd></button>
                </div>
            }
            <input type="search" class="search" placeholder="搜索引文、标签、备注" aria-label="搜索标注"
                value={(*search).clone()} oninput={on_search} data-action="search-annotations" />
            if total == 0 {
                <p class="hint">{ "选中文字即可标注；段落左侧的 # 给整段加标签。" }</p>
            }
            if first > 0 {
                <button type="button" class="link" data-action="entries-earlier" onclick={earlier}>
                    { format!("显示前面的 {} 条（前面共 {first} 条）", ENTRY_WINDOW.min(first)) }
                </button>
            }
            <ol class="entries" start={(first + 1).to_string()}>{ for items }</ol>
            if last < entries.len() {
                <button type="button" class="link" data-action="entries-later" onclick={later}>
                    { format!("显示后面的 {} 条（后面共 {} 条）", ENTRY_WINDOW.min(entries.len() - last), entries.len() - last) }
                </button>
            }
            if !all.orphans.is_empty() {
                <h4 class="orphans-title" title="导入时在当前文本中找不到引文的标注：保留、可导出、可删除">
                    { format!("未能定位（{}）", all.orphans.len()) }
                </h4>
                <ol class="entries orphans">{ for orphans }</ol>
                if all.orphans.len() > *orphans_shown {
                    <button type="button" class="link" data-action="more-orphans" onclick={show_more_orphans}>
                        { format!("再显示 {} 条（还有 {} 条）", ORPHAN_PAGE.min(all.orphans.len() - *orphans_shown), all.orphans.len() - *orphans_shown) }
                    </button>
                }
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct SidebarEntryProps {
    /// Shared with the store: an entry whose annotation did not change
    /// compares equal by pointer and is not drawn again.
    entry: Rc<Annotation>,
    chips: Vec<Chip>,
    /// Who made it (known once synced).
    creator: Option<String>,
    /// Its relations, both ways (shared: unchanged, they compare by pointer).
    relations: Rc<[RelationLine]>,
    selected: bool,
    on_action: Callback<Action>,
}

/// A click on a control inside an entry: `action`, without also selecting
/// the entry.
fn clicked(
    on_action: &Callback<Action>,
    action: impl Fn(&MouseEvent) -> Action + 'static,
) -> Callback<MouseEvent> {
    let on_action = on_action.clone();
    Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        on_action.emit(action(&e));
    })
}

/// Where a popup opened from a sidebar control goes: under it, to its left.
fn popup_under(e: &MouseEvent) -> (f64, f64) {
    let (left, _, _, bottom) = e
        .target_dyn_into::<web_sys::Element>()
        .map(|el| dom::element_rect(&el))
        .unwrap_or_default();
    (left - 240.0, bottom)
}

/// A relation as listed under one of its ends.
#[derive(Clone, Debug, PartialEq)]
struct RelationLine {
    id: String,
    from: String,
    to: String,
    label: String,
    color: String,
    /// The other end's quote, short.
    other: String,
    /// From this annotation (→) or to it (←).
    outgoing: bool,
}

/// One annotation in the list: its quote, tags and note; a click scrolls to
/// its highlight, with edit and delete.
#[component]
fn SidebarEntry(props: &SidebarEntryProps) -> Html {
    let a = &props.entry;
    let (kind, quote) = match &a.target {
        Target::Passage { quote, .. } => ("", quote.exact.as_str()),
        Target::Block { quote, .. } => ("整段", quote.exact.as_str()),
        Target::Document | Target::Relation { .. } => ("全文", ""),
    };
    let short: String = quote.chars().take(60).collect();
    let more = quote.chars().nth(60).is_some();
    let focus = {
        let on_action = props.on_action.clone();
        let id = a.id.clone();
        Callback::from(move |_| on_action.emit(Action::Focus(id.clone())))
    };
    let on_action = &props.on_action;
    let id = a.id.clone();
    let edit = clicked(on_action, move |e| {
        let (x, y) = popup_under(e);
        Action::OpenPopup(Popup {
            target: PopupTarget::Edit(id.clone()),
            x,
            y,
        })
    });
    let id = a.id.clone();
    let delete = clicked(on_action, move |_| {
        Action::Apply(Command::Delete { id: id.clone() })
    });
    let id = a.id.clone();
    let link = clicked(on_action, move |_| Action::StartLink(id.clone()));
    // Earlier versions and conflicts' losers, read from the sync replica
    // when asked for.
    let versions = use_state(|| None::<Vec<crate::core::sync::mapping::Version>>);
    let toggle_history = {
        let versions = versions.clone();
        let id = a.id.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            versions.set(match *versions {
                Some(_) => None,
                None => Some(crate::ui::sync::history(&id)),
            });
        })
    };
    let history_rows = versions.as_ref().map(|list| {
        if list.is_empty() {
            return html! { <li class="hint">{ "没有其他版本。" }</li> };
        }
        list.iter()
            .map(|v| {
                html! {
                    <li data-version={v.rev.clone()}>
                        <span class="hint">{ format!("{} · {}", crate::platform::clock::local_time(&v.modified), v.creator) }</span>
                        { format!(" {}", v.tags.join("、")) }
                        if !v.note.is_empty() { { format!("：{}", v.note) } }
                    </li>
                }
            })
            .collect::<Html>()
    });
    let relation_rows = props.relations.iter().map(|r| {
        let line = r.clone();
        let rename = clicked(on_action, move |e| {
            let (x, y) = popup_under(e);
            Action::OpenRelationPopup(RelationPopup {
                from: line.from.clone(),
                to: line.to.clone(),
                editing: Some(line.id.clone()),
                x,
                y,
            })
        });
        let id = r.id.clone();
        let delete = clicked(on_action, move |_| Action::Apply(Command::Delete { id: id.clone() }));
        let other = if r.outgoing { r.to.clone() } else { r.from.clone() };
        let focus_other = clicked(on_action, move |_| Action::Focus(other.clone()));
        html! {
            <li class="relation-line" data-relation-entry={r.id.clone()}>
                <span class="direction">{ if r.outgoing { "→" } else { "←" } }</span>
                <span class="chip" style={format!("--chip: {}", r.color)}>{ r.label.clone() }</span>
                <button type="button" class="link other" onclick={focus_other}>{ r.other.clone() }</button>
                <button type="button" class="link" data-action="rename-relation" onclick={rename}>{ "改名" }</button>
                <button type="button" class="link danger" data-action="delete-relation" onclick={delete}>{ "删除" }</button>
            </li>
        }
    });
    let chip_views = props.chips.iter().map(|c| {
        html! { <span class="chip" style={format!("--chip: {}", c.color)}>{ c.name.clone() }</span> }
    });
    let selected = props.selected;
    html! {
        <li class={classes!("entry", selected.then_some("selected"))} data-entry={a.id.clone()}
            onclick={focus} tabindex="0" aria-current={selected.then_some("true")}>
            <div class="quote">
                if let Some(name) = props.creator.as_ref().filter(|n| !n.is_empty()) {
                    <span class="creator" style={format!("--creator: {}", team::color(name))} title={format!("标注者：{name}")}
                        data-creator={name.clone()}>{ team::initials(name) }</span>
                }
                if !kind.is_empty() { <span class="kind">{ kind }</span> }
                { short }{ if more { "…" } else { "" } }
            </div>
            <div class="entry-tags">{ for chip_views }</div>
            if !a.note.is_empty() { <div class="entry-note">{ a.note.clone() }</div> }
            if !props.relations.is_empty() {
                <ul class="relations">{ for relation_rows }</ul>
            }
            <div class="entry-actions">
                <button type="button" class="link" data-action="edit-annotation" onclick={edit}>{ "编辑" }</button>
                <button type="button" class="link" data-action="link-annotation" title="从这条标注连一条关系到另一条 (R)"
                    onclick={link}>{ "连线" }</button>
                if props.creator.is_some() {
                    <button type="button" class="link" data-action="annotation-history" title="同步保存的早先版本与冲突中未选用的版本"
                        onclick={toggle_history}>{ "历史" }</button>
                }
                <button type="button" class="link danger" data-action="delete-annotation" onclick={delete}>{ "删除" }</button>
            </div>
            if let Some(rows) = history_rows {
                <ul class="versions" data-history={a.id.clone()}>{ rows }</ul>
            }
        </li>
    }
}
