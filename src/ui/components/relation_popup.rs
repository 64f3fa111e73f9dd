use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::core::annotation::Tag;
use crate::platform::clock;
use crate::ui::state::{Action, RelationPopup};

#[derive(Properties, PartialEq)]
pub struct RelationPopupProps {
    pub popup: RelationPopup,
    /// The two ends' quotes, for the title.
    pub from_quote: AttrValue,
    pub to_quote: AttrValue,
    /// The label now, when renaming.
    pub label: AttrValue,
    /// Every tag (relation labels are tags: they share colours and names).
    pub tags: Rc<Vec<Tag>>,
    pub on_action: Callback<Action>,
}

/// The label field of a relation: focused when it opens, existing tags
/// offered as you type; Enter saves, Esc cancels.
#[component]
pub fn RelationLabelPopup(props: &RelationPopupProps) -> Html {
    let input = use_node_ref();
    let typed = use_state(|| props.label.to_string());
    {
        let input = input.clone();
        use_effect_with((), move |_| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                let _ = el.focus();
                el.select();
            }
        });
    }
    let save = {
        let on_action = props.on_action.clone();
        let typed = typed.clone();
        Rc::new(move |label: String| {
            let label = if label.trim().is_empty() {
                typed.trim().to_string()
            } else {
                label
            };
            if label.is_empty() {
                return;
            }
            on_action.emit(Action::SaveRelation {
                label,
                id: clock::new_uuid(),
                now: clock::now_rfc3339(),
            });
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
    let query = typed.trim().to_lowercase();
    let matching: Vec<&Tag> = props
        .tags
        .iter()
        .filter(|t| query.is_empty() || t.name.to_lowercase().contains(&query))
        .take(8)
        .collect();
    let on_key = {
        let save = save.clone();
        let on_action = props.on_action.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => {
                e.prevent_default();
                save(String::new());
            }
            "Escape" => {
                e.prevent_default();
                on_action.emit(Action::CloseRelationPopup);
            }
            _ => {}
        })
    };
    let options = matching.iter().map(|t| {
        let save = save.clone();
        let name = t.name.clone();
        html! {
            <li>
                <button type="button" class="option" data-relation-option={t.name.clone()}
                    onclick={Callback::from(move |_| save(name.clone()))}>
                    <span class="swatch" style={format!("background: {}", t.color)}></span>
                    <span class="name">{ t.name.clone() }</span>
                </button>
            </li>
        }
    });
    let p = &props.popup;
    let style = format!(
        "left: max(8px, min({:.0}px, calc(100vw - 328px))); top: max(8px, min({:.0}px, calc(100vh - 300px)))",
        p.x,
        p.y + 8.0
    );
    let title = format!(
        "{}「{}」→「{}」",
        if p.editing.is_some() {
            "改关系名称 "
        } else {
            "新关系 "
        },
        props.from_quote,
        props.to_quote
    );
    let cancel = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(Action::CloseRelationPopup))
    };
    let save_click = {
        let save = save.clone();
        Callback::from(move |_: MouseEvent| save(String::new()))
    };
    html! {
        <div class="popup" role="dialog" aria-label={title.clone()} {style} data-popup="relation">
            <div class="popup-title">{ title }</div>
            <input ref={input} type="text" class="tag-input" placeholder="关系名称，如 施事、位于；回车保存"
                aria-label="关系名称" data-relation-label="" value={(*typed).clone()} oninput={on_input}
                onkeydown={on_key} maxlength="40" />
            <ul class="options">{ for options }</ul>
            <div class="popup-actions">
                <span class="hint"><kbd>{ "Enter" }</kbd>{ " 保存  " }<kbd>{ "Esc" }</kbd>{ " 取消" }</span>
                <button type="button" class="tool" onclick={cancel}>{ "取消" }</button>
                <button type="button" class="tool primary" data-action="save-relation" onclick={save_click}>{ "保存" }</button>
            </div>
        </div>
    }
}

/// A short form of an annotation's quote for titles and lists.
pub fn short_quote(quote: &str) -> String {
    let mut s: String = quote.chars().take(12).collect();
    if quote.chars().nth(12).is_some() {
        s.push('…');
    }
    s
}
