//! A text field that takes its initial value once, on mount, and is then
//! the person's: Yew 0.23 keeps `value` in step with the virtual DOM on
//! every render (wiping what is being typed when anything else changes),
//! and its `defaultvalue` works on `<textarea>` only.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TextFieldProps {
    pub initial: AttrValue,
    pub label: AttrValue,
    /// The `data-action` the field carries.
    pub action: AttrValue,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub maxlength: Option<AttrValue>,
    /// Focus the field (its text selected) when it appears.
    #[prop_or_default]
    pub autofocus: bool,
    #[prop_or_default]
    pub onkeydown: Callback<KeyboardEvent>,
    #[prop_or_default]
    pub onblur: Callback<FocusEvent>,
    #[prop_or_default]
    pub onclick: Callback<MouseEvent>,
}

#[component]
pub fn TextField(props: &TextFieldProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        let initial = props.initial.clone();
        let autofocus = props.autofocus;
        use_effect_with((), move |_| {
            if let Some(input) = node.cast::<HtmlInputElement>() {
                input.set_value(&initial);
                if autofocus {
                    let _ = input.focus();
                    input.select();
                }
            }
        });
    }
    html! {
        <input ref={node} type="text" class={props.class.clone()} aria-label={props.label.clone()}
            maxlength={props.maxlength.clone()} data-action={props.action.clone()}
            onkeydown={props.onkeydown.clone()} onblur={props.onblur.clone()} onclick={props.onclick.clone()} />
    }
}
