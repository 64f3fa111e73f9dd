use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::core::annotation::normalize_tag;
use crate::platform::{clock, selection};
use crate::ui::state::{Action, AppState, PopupSave, PopupTarget};

#[derive(Properties, PartialEq)]
pub struct TagPopupProps {
    pub state: UseReducerHandle<AppState>,
    pub on_action: Callback<Action>,
}

/// The popup that opens at a selection (or beside a paragraph, or from the
/// sidebar to edit): focus is in its text field; typing filters tags or
/// names a new one, 1–9 pick a listed tag, Tab keeps the typed tag and lets
/// you add another, Enter saves, Esc cancels.
#[component]
pub fn TagPopup(props: &TagPopupProps) -> Html {
    let state = &props.state;
    let popup = state.popup.clone();
    // The annotation being edited as it was when the popup opened. What the
    // person types is the popup's own; a change from another tab is shown
    // beside it, never written over it.
    let original = {
        let state = state.clone();
        use_state(move || match state.popup.as_ref().map(|p| &p.target) {
            Some(PopupTarget::Edit(id)) => state.store.state().get(id).cloned(),
            _ => None,
        })
    };
    let chips = use_state(|| {
        original
            .as_ref()
            .map(|a| a.tags.clone())
            .unwrap_or_default()
    });
    let typed = use_state(String::new);
    let usage = use_memo(state.store.shared(), |all| all.usage_counts());
    let input = use_node_ref();
    let note = use_node_ref();
    {
        let input = input.clone();
        use_effect_with((), move |_| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                let _ = el.focus();
            }
        });
    }
    let Some(popup) = popup else { return html! {} };
    // Only the initial value: with `value`, Yew would reset the field to it
    // on every render, wiping what is being typed when another tab changes
    // the annotation.
    let initial_note = original
        .as_ref()
        .map(|a| a.note.clone())
        .unwrap_or_default();

    let all = state.store.state();
    let query = typed.trim().to_lowercase();
    let listed: Vec<String> = all
        .tags
        .iter()
        .filter(|t| query.is_empty() || t.name.to_lowercase().contains(&query))
        .map(|t| t.name.clone())
        .collect();

    // What the tag field holds now. Keys are read against the field, not
    // `typed`: on a busy machine Enter can arrive before the render that
    // takes in the last typed character.
    let field_value = {
        let input = input.clone();
        let typed = typed.clone();
        move || {
            input
                .cast::<HtmlInputElement>()
                .map_or_else(|| (*typed).clone(), |el| el.value())
        }
    };
    let save = {
        let on_action = props.on_action.clone();
        let original = original.clone();
        let chips = chips.clone();
        let field_value = field_value.clone();
        let note = note.clone();
        move |extra: Option<String>| {
            let mut tags = (*chips).clone();
            for t in extra.into_iter().chain(Some(field_value())) {
                let t = normalize_tag(&t);
                if !t.is_empty() && !tags.contains(&t) {
                    tags.push(t);
                }
            }
            let note_text = note
                .cast::<HtmlTextAreaElement>()
                .map(|n| n.value().trim().to_string())
                .unwrap_or_default();
            selection::clear_selection();
            on_action.emit(Action::SavePopup(PopupSave {
                tags,
                note: note_text,
                id: clock::new_uuid(),
                now: clock::now_rfc3339(),
                original: (*original).clone(),
            }));
        }
    };
    let cancel = {
        let on_action = props.on_action.clone();
        move || {
            selection::clear_selection();
            on_action.emit(Action::ClosePopup);
            on_action.emit(Action::Select(None));
        }
    };
    let toggle_chip = {
        let chips = chips.clone();
        move |name: String| {
            let mut v = (*chips).clone();
            if let Some(i) = v.iter().position(|c| *c == name) {
                v.remove(i);
            } else {
                v.push(name);
            }
            chips.set(v);
        }
    };

    let on_input_key = {
        let save = save.clone();
        let cancel = cancel.clone();
        let typed = typed.clone();
        let chips = chips.clone();
        let listed = listed.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            let typed_now = field_value();
            match key.as_str() {
                "Enter" => {
                    e.prevent_default();
                    save(None);
                }
                "Escape" => {
                    e.prevent_default();
                    cancel();
                }
                "Tab" if !typed_now.trim().is_empty() => {
                    e.prevent_default();
                    let t = normalize_tag(&typed_now);
                    let mut v = (*chips).clone();
                    if !v.contains(&t) {
                        v.push(t);
                    }
                    chips.set(v);
                    typed.set(String::new());
                }
                "Backspace" if typed_now.is_empty() && !chips.is_empty() => {
                    let mut v = (*chips).clone();
                    v.pop();
                    chips.set(v);
                }
                k if typed_now.is_empty() && k.len() == 1 && ("1"..="9").contains(&k) => {
                    let n: usize = k.parse().unwrap_or(0);
                    if let Some(name) = listed.get(n - 1) {
                        e.prevent_default();
                        save(Some(name.clone()));
                    }
                }
                _ => {}
            }
        })
    };
    let on_input = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(el) = e.target_dyn_into::<HtmlInputElement>() {
                typed.set(el.value());
            }
        })
    };
    let on_note_key = {
        let save = save.clone();
        let cancel = cancel.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" if !e.shift_key() => {
                e.prevent_default();
                save(None);
            }
            "Escape" => {
                e.prevent_default();
                cancel();
            }
            _ => {}
        })
    };

    let options = listed.iter().enumerate().map(|(i, name)| {
        let color = all.tag(name).map(|t| t.color.clone()).unwrap_or_default();
        let on = chips.contains(name);
        let toggle = toggle_chip.clone();
        let n = name.clone();
        html! {
            <li>
                <button type="button" class={classes!("option", on.then_some("on"))} data-tag-option={name.clone()}
                    onclick={Callback::from(move |_| toggle(n.clone()))}>
                    if i < 9 { <kbd>{ i + 1 }</kbd> }
                    <span class="swatch" style={format!("background: {color}")}></span>
                    <span class="name">{ name.clone() }</span>
                    <span class="count">{ usage.get(name).copied().unwrap_or(0) }</span>
                </button>
            </li>
        }
    });
    let chip_views = chips.iter().map(|name| {
        let color = all.tag(name).map_or("#868e96".to_string(), |t| t.color.clone());
        let toggle = toggle_chip.clone();
        let n = name.clone();
        html! {
            <button type="button" class="chip removable" style={format!("--chip: {color}")} title="移除"
                onclick={Callback::from(move |_| toggle(n.clone()))}>{ name.clone() }{ " ×" }</button>
        }
    });
    let is_new = !query.is_empty() && !all.tags.iter().any(|t| t.name.to_lowercase() == query);
    let quote = match &popup.target {
        PopupTarget::Passage { start, end } => state.article.slice(*start, *end).to_string(),
        _ => String::new(),
    };
    let title = match &popup.target {
        PopupTarget::Passage { start, end } => {
            let quote = state.article.slice(*start, *end);
            let short: String = quote.chars().take(18).collect();
            format!(
                "标注「{short}{}」",
                if quote.chars().count() > 18 {
                    "…"
                } else {
                    ""
                }
            )
        }
        PopupTarget::Block(_) => "给整段加标签".to_string(),
        PopupTarget::Edit(_) => "编辑标注".to_string(),
    };
    // Inside the viewport however narrow (the popup is at most 320 px wide
    // and never wider than the screen less 8 px on each side).
    let style = format!(
        "left: max(8px, min({:.0}px, calc(100vw - 328px))); top: max(8px, min({:.0}px, calc(100vh - 360px)))",
        popup.x,
        popup.y + 8.0
    );
    // Another tab changed or deleted the annotation being edited.
    let remote = match (&popup.target, original.as_ref()) {
        (PopupTarget::Edit(id), Some(before)) => match all.get(id) {
            None => Some((None, "另一标签页删除了这条标注；保存会以你的内容恢复它。".to_string())),
            Some(now) if now != before => Some((
                Some(now.clone()),
                format!(
                    "另一标签页刚修改了这条标注：标签「{}」，备注「{}」。保存将以你正在编辑的内容为准。",
                    now.tags.join("、"),
                    now.note
                ),
            )),
            _ => None,
        },
        _ => None,
    };
    let take_theirs = {
        let chips = chips.clone();
        let note = note.clone();
        let original = original.clone();
        let theirs = remote.as_ref().and_then(|(a, _)| a.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(a) = &theirs {
                chips.set(a.tags.clone());
                if let Some(n) = note.cast::<HtmlTextAreaElement>() {
                    n.set_value(&a.note);
                }
                original.set(Some(a.clone()));
            }
        })
    };
    let on_save_click = {
        let save = save.clone();
        Callback::from(move |_| save(None))
    };
    let on_cancel_click = Callback::from(move |_| cancel());
    html! {
        <div class="popup" role="dialog" aria-label={title.clone()} {style} data-popup="tag">
            <div class="popup-title" data-quote={quote}>{ title }</div>
            if let Some((theirs, text)) = &remote {
                <div class="conflict" role="alert" data-conflict="">
                    <span>{ text.clone() }</span>
                    if theirs.is_some() {
                        <button type="button" class="tool" onclick={take_theirs}>{ "采用那边的版本" }</button>
                    }
                </div>
            }
            <div class="chips">{ for chip_views }</div>
            <input ref={input} type="text" class="tag-input" placeholder="输入标签，回车保存" aria-label="标签"
                value={(*typed).clone()} oninput={on_input} onkeydown={on_input_key} maxlength="40" />
            if is_new {
                <div class="new-tag">{ format!("回车新建标签「{}」 · Tab 再加一个", typed.trim()) }</div>
            }
            <ul class="options">{ for options }</ul>
            <textarea ref={note} class="note" rows="2" placeholder="备注（可选）" aria-label="备注"
                onkeydown={on_note_key} defaultvalue={initial_note} />
            <div class="popup-actions">
                <span class="hint"><kbd>{ "Enter" }</kbd>{ " 保存  " }<kbd>{ "Esc" }</kbd>{ " 取消" }</span>
                <button type="button" class="tool" onclick={on_cancel_click}>{ "取消" }</button>
                <button type="button" class="tool primary" data-action="save-annotation" onclick={on_save_click}>{ "保存" }</button>
            </div>
        </div>
    }
}
