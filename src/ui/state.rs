//! One Reducible state and one Action enum for the whole app, the way Yew's
//! function_todomvc example does it.

use std::rc::Rc;

use yew::Reducible;

use crate::core::article::Article;
use crate::core::keywords::{keywords, Keywords};
use crate::core::segment::{Token, UserDict};

/// How many keywords the panel lists per ranking.
const KEYWORD_COUNT: usize = 20;

#[derive(Clone, Debug, PartialEq)]
pub enum Segmentation {
    /// The worker is loading its dictionary or segmenting.
    Loading,
    Ready {
        tokens: Rc<Vec<Token>>,
        init_ms: f64,
        segment_ms: f64,
    },
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub article: Rc<Article>,
    pub segmentation: Segmentation,
    /// Milliseconds the worker spent loading the dictionary.
    pub dictionary_ms: Option<f64>,
    pub keywords: Option<Rc<Keywords>>,
    pub word_view: bool,
    pub user_dict: UserDict,
    /// The keyword whose occurrences are marked in the text.
    pub marked_word: Option<String>,
    /// The current (snapped) selection in code points.
    pub selection: Option<(usize, usize)>,
    /// Id of the newest segmentation request; older answers are ignored.
    pub request_id: u32,
}

impl AppState {
    pub fn new(raw_text: &str, user_dict: UserDict, word_view: bool) -> Self {
        AppState {
            article: Rc::new(Article::parse(raw_text)),
            segmentation: Segmentation::Loading,
            dictionary_ms: None,
            keywords: None,
            word_view,
            user_dict,
            marked_word: None,
            selection: None,
            request_id: 1,
        }
    }

    pub fn tokens(&self) -> Option<&Rc<Vec<Token>>> {
        match &self.segmentation {
            Segmentation::Ready { tokens, .. } => Some(tokens),
            _ => None,
        }
    }
}

pub enum Action {
    DictionaryLoaded {
        init_ms: f64,
    },
    Segmented {
        id: u32,
        tokens: Vec<Token>,
        segment_ms: f64,
    },
    SegmentationFailed(String),
    ToggleWordView,
    /// Keep a word whole (user dictionary).
    JoinWord(String),
    /// Cut a word, given as `part/part`.
    SplitWord(String),
    RemoveUserWord(String),
    MarkWord(Option<String>),
    Select(Option<(usize, usize)>),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::DictionaryLoaded { init_ms } => next.dictionary_ms = Some(init_ms),
            Action::Segmented {
                id,
                tokens,
                segment_ms,
            } => {
                if id != self.request_id {
                    return self;
                }
                next.keywords = Some(Rc::new(keywords(&self.article, &tokens, KEYWORD_COUNT)));
                next.segmentation = Segmentation::Ready {
                    tokens: Rc::new(tokens),
                    init_ms: self.dictionary_ms.unwrap_or(0.0),
                    segment_ms,
                };
            }
            Action::SegmentationFailed(message) => {
                next.segmentation = Segmentation::Failed(message)
            }
            Action::ToggleWordView => next.word_view = !self.word_view,
            Action::JoinWord(word) => next.change_dict(|d| d.add_join(&word)),
            Action::SplitWord(rule) => next.change_dict(|d| d.add_split(&rule)),
            Action::RemoveUserWord(entry) => next.change_dict(|d| d.remove(&entry)),
            Action::MarkWord(word) => {
                next.marked_word = if word == self.marked_word { None } else { word };
            }
            Action::Select(range) => next.selection = range,
        }
        Rc::new(next)
    }
}

impl AppState {
    /// A dictionary change asks for a new segmentation (the old tokens stay
    /// on screen until the answer arrives).
    fn change_dict(&mut self, edit: impl FnOnce(&mut UserDict)) {
        let before = self.user_dict.clone();
        edit(&mut self.user_dict);
        if self.user_dict != before {
            self.request_id += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> Rc<AppState> {
        Rc::new(AppState::new(
            "题\n\n  正文。\n",
            UserDict::default(),
            false,
        ))
    }

    #[test]
    fn stale_segmentation_answers_are_ignored() {
        let s = state().reduce(Action::JoinWord("正文".into()));
        assert_eq!(s.request_id, 2);
        let s = s.reduce(Action::Segmented {
            id: 1,
            tokens: vec![],
            segment_ms: 1.0,
        });
        assert_eq!(s.segmentation, Segmentation::Loading);
        let s = s.reduce(Action::Segmented {
            id: 2,
            tokens: vec![],
            segment_ms: 1.0,
        });
        assert!(s.tokens().is_some());
    }

    #[test]
    fn unchanged_dictionary_does_not_ask_again() {
        let s = state().reduce(Action::JoinWord("正文".into()));
        let s = s.reduce(Action::JoinWord("正文".into()));
        assert_eq!(s.request_id, 2);
        let s = s.reduce(Action::RemoveUserWord("正文".into()));
        assert_eq!(s.request_id, 3);
        assert!(s.user_dict.join.is_empty());
    }

    #[test]
    fn marking_the_same_word_twice_clears_it() {
        let s = state().reduce(Action::MarkWord(Some("正文".into())));
        assert_eq!(s.marked_word.as_deref(), Some("正文"));
        let s = s.reduce(Action::MarkWord(Some("正文".into())));
        assert_eq!(s.marked_word, None);
    }
}
