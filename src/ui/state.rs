//! One Reducible state and one Action enum for the whole app, the way Yew's
//! function_todomvc example does it.

use std::rc::Rc;

use yew::Reducible;

use crate::core::article::Article;

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub article: Rc<Article>,
}

impl AppState {
    pub fn new(raw_text: &str) -> Self {
        AppState {
            article: Rc::new(Article::parse(raw_text)),
        }
    }
}

pub enum Action {
    /// Replace the open document with another text.
    OpenText(String),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::OpenText(raw) => Rc::new(AppState::new(&raw)),
        }
    }
}
