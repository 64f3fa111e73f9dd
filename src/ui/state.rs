//! One Reducible state and one Action enum for the whole app, the way Yew's
//! function_todomvc example does it.

use std::rc::Rc;

use yew::Reducible;

use crate::core::annotation::{Annotation, Tag, Target};
use crate::core::article::Article;
use crate::core::exchange::{combine, AnchorReport, ImportMode};
use crate::core::formats::bio::ConllOptions;
use crate::core::keywords::{keywords, Keywords};
use crate::core::segment::{splice_tokens, Token, TokenKind, UserDict};
use crate::core::store::{Annotations, Command, Replayed, Store};

/// How many keywords the panel lists per ranking.
const KEYWORD_COUNT: usize = 20;

#[derive(Clone, Debug, PartialEq)]
pub enum Segmentation {
    /// The worker is loading its dictionary or segmenting.
    Loading,
    /// Words are arriving a slice of blocks at a time (a long document):
    /// `arrived` has the words of the first `blocks_done` blocks; `tokens`,
    /// what the views use, adds the previous segmentation's words for the
    /// rest, if there was one.
    Partial {
        id: u32,
        arrived: Rc<Vec<Token>>,
        tokens: Rc<Vec<Token>>,
        blocks_done: usize,
        blocks_total: usize,
    },
    Ready {
        tokens: Rc<Vec<Token>>,
        /// Word tokens among them (counted once, for the top bar).
        words: usize,
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
    /// The passage being selected from the keyboard (`S`, then arrows), in
    /// code points; shown as a pending highlight until Enter opens the popup.
    pub key_selection: Option<(usize, usize)>,
    /// Id of the newest segmentation request; older answers are ignored.
    pub request_id: u32,
    /// Annotations, tags and their undo history.
    pub store: Store,
    /// Storage has been read (or found unusable and backed up): only then
    /// may the store be written, so a slow start never overwrites saved work.
    pub store_ready: bool,
    /// The tag popup, when open.
    pub popup: Option<Popup>,
    /// The annotation selected in the text and the sidebar.
    pub selected: Option<String>,
    /// Bumped to scroll to and flash the selected annotation.
    pub flash: u32,
    pub show_help: bool,
    pub show_tag_manager: bool,
    pub show_library: bool,
    /// The dialog that adds a document, or replaces this one's text.
    pub new_document: Option<NewDocumentMode>,
    /// A checked library backup waiting for merge or replace (shared, not
    /// copied: it holds every text).
    pub pending_restore: Option<Rc<PendingRestore>>,
    /// A message for the person (an error, or what undo did).
    pub message: Option<String>,
    /// A lasting storage problem (data kept aside, storage unavailable),
    /// shown until dismissed, with an export offered.
    pub storage_warning: Option<String>,
    /// Changes that could not be written (storage full): shown, with an
    /// export offered, until a later save gets them all in.
    pub unsaved: Option<Unsaved>,
    /// A validated, re-anchored import waiting for merge / replace.
    pub import: Option<ImportPreview>,
    /// An import being re-anchored.
    pub import_progress: Option<ImportProgress>,
    /// A relation being made: from the selected annotation to one picked
    /// with J/K or a click.
    pub linking: Option<Linking>,
    /// The label field of a relation being made or renamed.
    pub relation_popup: Option<RelationPopup>,
    /// What a CoNLL export writes (scheme, words or characters, tags).
    pub conll_options: ConllOptions,
    pub show_conll_options: bool,
    pub show_statistics: bool,
    /// The sync engine's news (status, message, who made what).
    pub sync: Rc<crate::ui::sync::SyncView>,
    pub show_sync: bool,
    pub show_agreement: bool,
}

/// What could not be written to storage.
#[derive(Clone, Debug, PartialEq)]
pub struct Unsaved {
    /// Why, in words (e.g. the storage is full).
    pub reason: String,
    /// How many changes are not saved.
    pub count: usize,
    /// A few of them, as the person knows them (quotes).
    pub examples: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportProgress {
    pub file: String,
    pub done: usize,
    pub total: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportPreview {
    pub format: &'static str,
    pub placed: Vec<Annotation>,
    pub orphans: Vec<Annotation>,
    pub tags: Vec<Tag>,
    pub report: AnchorReport,
    /// Ids that were not UUIDs (another tool's IRIs) and got one derived.
    pub derived_ids: usize,
    /// The file names another text (by sha256) than the open one.
    pub other_document: bool,
    /// That other text and the file's annotations on it, when the file
    /// carries its text: they can become a new document.
    pub new_document: Option<Rc<NewDocumentImport>>,
    /// What the file holds that the app does not read, in words.
    pub left_out: Vec<String>,
    /// Replace was pressed once and waits for confirmation.
    pub confirm_replace: bool,
}

/// A relation being made: R on a selected annotation starts it.
#[derive(Clone, Debug, PartialEq)]
pub struct Linking {
    pub from: String,
    /// The other end picked so far (J/K), not yet confirmed.
    pub to: Option<String>,
}

/// The label field for a new relation (`from` -> `to`) or for renaming
/// relation `editing`.
#[derive(Clone, Debug, PartialEq)]
pub struct RelationPopup {
    pub from: String,
    pub to: String,
    pub editing: Option<String>,
    /// Viewport position (px) it opens at.
    pub x: f64,
    pub y: f64,
}

/// A text an import file carries, with the file's annotations placed on it.
#[derive(Debug, PartialEq)]
pub struct NewDocumentImport {
    pub file: String,
    pub text: String,
    pub annotations: Vec<Annotation>,
}

/// A library backup read and checked, waiting for the person's choice.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingRestore {
    pub file: String,
    pub backup: crate::core::library::Backup,
    pub confirm_replace: bool,
}

/// What the new-document dialog does with the text it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewDocumentMode {
    /// Adds it to the library and opens it.
    Add,
    /// Makes it the new version of the open document (annotations re-anchored).
    Replace,
}

/// What the tag popup is for.
#[derive(Clone, Debug, PartialEq)]
pub enum PopupTarget {
    Passage { start: usize, end: usize },
    Block(String),
    Edit(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Popup {
    pub target: PopupTarget,
    /// Viewport position (px) the popup opens at.
    pub x: f64,
    pub y: f64,
}

impl AppState {
    pub fn with_article(article: Rc<Article>, user_dict: UserDict, word_view: bool) -> Self {
        AppState {
            article,
            segmentation: Segmentation::Loading,
            dictionary_ms: None,
            keywords: None,
            word_view,
            user_dict,
            marked_word: None,
            selection: None,
            key_selection: None,
            request_id: 1,
            store: Store::default(),
            store_ready: false,
            popup: None,
            selected: None,
            flash: 0,
            show_help: false,
            show_tag_manager: false,
            show_library: false,
            new_document: None,
            pending_restore: None,
            message: None,
            storage_warning: None,
            unsaved: None,
            import: None,
            import_progress: None,
            conll_options: ConllOptions::default(),
            show_conll_options: false,
            show_statistics: false,
            sync: Rc::default(),
            show_sync: false,
            show_agreement: false,
            linking: None,
            relation_popup: None,
        }
    }

    /// The annotation made from the popup's target with `tags` and `note`.
    /// An edit of an annotation that another tab deleted meanwhile brings it
    /// back (`original`, as the popup opened with it): an edit wins over a
    /// deletion.
    pub fn command_for_popup(&self, popup: &Popup, save: PopupSave) -> Option<Command> {
        let PopupSave {
            tags,
            note,
            id,
            now,
            original,
        } = save;
        let target = match &popup.target {
            PopupTarget::Passage { start, end } => Target::passage(&self.article, *start, *end),
            PopupTarget::Block(block) => Target::block(&self.article, block)?,
            PopupTarget::Edit(id) => {
                return Some(match (self.store.state().get(id), original) {
                    (None, Some(mut a)) => {
                        a.tags = tags;
                        a.note = note;
                        a.modified = now;
                        Command::Add(a)
                    }
                    _ => Command::Edit {
                        id: id.clone(),
                        tags,
                        note,
                        now,
                    },
                });
            }
        };
        Some(Command::Add(Annotation {
            id,
            created: now.clone(),
            modified: now,
            tags,
            note,
            target,
        }))
    }

    pub fn tokens(&self) -> Option<&Rc<Vec<Token>>> {
        match &self.segmentation {
            Segmentation::Ready { tokens, .. } | Segmentation::Partial { tokens, .. } => {
                Some(tokens)
            }
            _ => None,
        }
    }
}

/// What the tag popup saves.
#[derive(Clone, Debug, PartialEq)]
pub struct PopupSave {
    pub tags: Vec<String>,
    pub note: String,
    /// Id for a new annotation.
    pub id: String,
    pub now: String,
    /// For an edit: the annotation as it was when the popup opened.
    pub original: Option<Annotation>,
}

pub enum Action {
    DictionaryLoaded {
        init_ms: f64,
    },
    /// A slice of the answer to request `id`: the words of blocks up to
    /// `blocks_done` of `blocks_total`, after those of the earlier slices.
    Segmented {
        id: u32,
        tokens: Vec<Token>,
        segment_ms: f64,
        blocks_done: usize,
        blocks_total: usize,
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
    /// Starts, moves or (with `None`) ends the keyboard selection.
    KeySelect(Option<(usize, usize)>),
    /// Opens the tag popup (ending any keyboard selection: the popup now
    /// shows the passage).
    OpenPopup(Popup),
    ClosePopup,
    /// Applies a store command; a command made from the popup also closes it
    /// and selects the new annotation.
    Apply(Command),
    /// Saves the open popup. Ignored when no popup is open, so a second
    /// Enter or a double click makes one annotation, not two.
    SavePopup(PopupSave),
    /// What could not be written to storage (empty: everything is saved).
    Unsaved(Option<Unsaved>),
    Undo,
    Redo,
    /// Selects an annotation (from a click on its highlight).
    SelectAnnotation(Option<String>),
    /// Selects an annotation and scrolls to it (from the sidebar).
    Focus(String),
    ToggleHelp,
    ToggleLibrary,
    NewDocument(Option<NewDocumentMode>),
    /// A backup to restore (shown in the library), or none.
    PendingRestore(Option<Rc<PendingRestore>>),
    ToggleTagManager,
    DismissMessage,
    /// Annotations read from storage at start (not an undoable edit).
    Loaded(Annotations),
    /// The merged state after another tab saved (undoable like an edit).
    Adopt(Annotations),
    Notify(String),
    StorageWarning(Option<String>),
    ImportReady(ImportPreview),
    ImportProgress(Option<ImportProgress>),
    /// Merge, or replace (which asks once more before it happens).
    ConfirmImport(ImportMode),
    CancelImport,
    ToggleConllOptions,
    ToggleStatistics,
    SetConllOptions(ConllOptions),
    /// Starts a relation from annotation `id` (R, or the sidebar's 连线).
    StartLink(String),
    /// The other end picked with J/K.
    LinkTo(String),
    CancelLink,
    OpenRelationPopup(RelationPopup),
    CloseRelationPopup,
    ToggleSync,
    ToggleAgreement,
    SyncView(Rc<crate::ui::sync::SyncView>),
    /// What a pull brought for the open document. Like another tab's
    /// change, it is not in this person's undo history: undo steps back
    /// through their own edits, not a teammate's.
    Pulled(Rc<crate::core::sync::mapping::Pull>),
    /// The label typed for the relation popup's relation.
    SaveRelation {
        label: String,
        /// Id for a new relation.
        id: String,
        now: String,
    },
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
                blocks_done,
                blocks_total,
            } => {
                if id != self.request_id {
                    return self;
                }
                let mut arrived = match &self.segmentation {
                    Segmentation::Partial {
                        id: of, arrived, ..
                    } if *of == id => (**arrived).clone(),
                    _ => Vec::new(),
                };
                arrived.extend(tokens);
                next.segmentation = if blocks_done < blocks_total {
                    let previous = match &self.segmentation {
                        Segmentation::Ready { tokens, .. }
                        | Segmentation::Partial { tokens, .. } => tokens.as_slice(),
                        _ => &[],
                    };
                    Segmentation::Partial {
                        id,
                        tokens: Rc::new(splice_tokens(&arrived, previous)),
                        arrived: Rc::new(arrived),
                        blocks_done,
                        blocks_total,
                    }
                } else {
                    next.keywords = Some(Rc::new(keywords(&self.article, &arrived, KEYWORD_COUNT)));
                    Segmentation::Ready {
                        words: arrived.iter().filter(|t| t.kind == TokenKind::Word).count(),
                        tokens: Rc::new(arrived),
                        init_ms: self.dictionary_ms.unwrap_or(0.0),
                        segment_ms,
                    }
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
            Action::KeySelect(range) => next.key_selection = range,
            Action::OpenPopup(popup) => {
                next.key_selection = None;
                next.popup = Some(popup);
            }
            Action::ClosePopup => next.popup = None,
            Action::SavePopup(save) => {
                let Some(cmd) = self
                    .popup
                    .as_ref()
                    .and_then(|p| self.command_for_popup(p, save))
                else {
                    return self;
                };
                return self.reduce(Action::Apply(cmd));
            }
            Action::Unsaved(unsaved) => {
                if unsaved == self.unsaved {
                    return self;
                }
                next.unsaved = unsaved;
            }
            Action::Apply(cmd) => {
                // Deleting an annotation takes its relations: say so.
                let linked = match &cmd {
                    Command::Delete { id } => self.store.state().relations_of(id).count(),
                    _ => 0,
                };
                let added = match &cmd {
                    Command::Add(a) => Some(a.id.clone()),
                    Command::Edit { id, .. } => Some(id.clone()),
                    _ => None,
                };
                let from_popup = added.is_some();
                match next.store.apply(cmd) {
                    Ok(()) => {
                        next.message = (linked > 0).then(|| {
                            format!("已删除标注和连着它的 {linked} 条关系（Ctrl+Z 撤销）")
                        });
                        if from_popup {
                            next.popup = None;
                            next.selection = None;
                            next.selected = added;
                        }
                        if next
                            .selected
                            .as_ref()
                            .is_some_and(|id| next.store.state().get(id).is_none())
                        {
                            next.selected = None;
                        }
                    }
                    Err(e) => next.message = Some(e.to_string()),
                }
            }
            Action::Undo => {
                next.message = Some(replayed_message(next.store.undo(), "撤销"));
            }
            Action::Redo => {
                next.message = Some(replayed_message(next.store.redo(), "重做"));
            }
            Action::SelectAnnotation(id) => next.selected = id,
            Action::Focus(id) => {
                next.selected = Some(id);
                next.flash += 1;
            }
            Action::ToggleHelp => next.show_help = !self.show_help,
            Action::ToggleLibrary => {
                next.show_library = !self.show_library;
                next.new_document = None;
            }
            Action::PendingRestore(pending) => {
                next.show_library |= pending.is_some();
                next.pending_restore = pending;
            }
            Action::NewDocument(mode) => {
                next.new_document = mode;
                next.show_library = false;
            }
            Action::ToggleTagManager => next.show_tag_manager = !self.show_tag_manager,
            Action::DismissMessage => next.message = None,
            Action::Loaded(data) => {
                next.store = Store::new(data);
                next.store_ready = true;
            }
            Action::Adopt(data) => next.store.adopt(data),
            Action::Notify(text) => next.message = Some(text),
            Action::ToggleConllOptions => next.show_conll_options = !self.show_conll_options,
            Action::ToggleStatistics => next.show_statistics = !self.show_statistics,
            Action::ToggleSync => next.show_sync = !self.show_sync,
            Action::ToggleAgreement => next.show_agreement = !self.show_agreement,
            Action::SyncView(view) => next.sync = view,
            Action::Pulled(pull) => {
                let merged = crate::core::sync::mapping::adopt(self.store.state(), &pull);
                if self.store_ready && merged != *self.store.state() {
                    next.store.adopt(merged);
                }
                if !pull.words.is_empty() {
                    next.change_dict(|d| {
                        *d = crate::core::sync::userdict::adopt(d, &pull.words);
                    });
                }
            }
            Action::StartLink(from) => {
                next.popup = None;
                next.relation_popup = None;
                next.selected = Some(from.clone());
                next.linking = Some(Linking { from, to: None });
            }
            Action::LinkTo(to) => {
                if let Some(l) = &mut next.linking {
                    l.to = Some(to);
                }
            }
            Action::CancelLink => {
                next.linking = None;
                next.relation_popup = None;
            }
            Action::OpenRelationPopup(p) => {
                next.popup = None;
                next.relation_popup = Some(p);
            }
            Action::CloseRelationPopup => next.relation_popup = None,
            Action::SaveRelation { label, id, now } => {
                let Some(p) = &self.relation_popup else {
                    return self;
                };
                let cmd = match &p.editing {
                    Some(existing) => Command::Edit {
                        id: existing.clone(),
                        tags: vec![label],
                        note: self
                            .store
                            .state()
                            .get(existing)
                            .map(|r| r.note.clone())
                            .unwrap_or_default(),
                        now,
                    },
                    None => Command::Add(Annotation {
                        id,
                        created: now.clone(),
                        modified: now,
                        tags: vec![label],
                        note: String::new(),
                        target: Target::Relation {
                            from: p.from.clone(),
                            to: p.to.clone(),
                        },
                    }),
                };
                match next.store.apply(cmd) {
                    Ok(()) => {
                        next.message = None;
                        next.relation_popup = None;
                        next.linking = None;
                        next.selected = Some(p.from.clone());
                    }
                    Err(e) => next.message = Some(e.to_string()),
                }
            }
            Action::SetConllOptions(options) => next.conll_options = options,
            // Warnings add up (settings, annotations, other tabs) until dismissed.
            Action::StorageWarning(text) => {
                next.storage_warning = match (text, &self.storage_warning) {
                    (Some(t), Some(old)) if !old.contains(&t) => Some(format!("{old} {t}")),
                    (Some(_), Some(old)) => Some(old.clone()),
                    (t, _) => t,
                }
            }
            Action::ImportReady(preview) => next.import = Some(preview),
            Action::ImportProgress(progress) => next.import_progress = progress,
            Action::CancelImport => next.import = None,
            Action::ConfirmImport(mode) => {
                let Some(mut preview) = next.import.take() else {
                    return self;
                };
                if mode == ImportMode::Replace
                    && !preview.confirm_replace
                    && self.store.state().all().next().is_some()
                {
                    preview.confirm_replace = true;
                    next.import = Some(preview);
                    return Rc::new(next);
                }
                let count = preview.placed.len() + preview.orphans.len();
                let orphans = preview.orphans.len();
                let combined = combine(
                    self.store.state(),
                    &preview.tags,
                    preview.placed,
                    preview.orphans,
                    mode,
                );
                match next.store.apply(Command::Replace(combined)) {
                    Ok(()) => {
                        next.message = Some(if orphans > 0 {
                            format!("已导入 {count} 条标注，其中 {orphans} 条未能在文中定位，已列为孤立标注（可撤销）")
                        } else {
                            format!("已导入 {count} 条标注（可撤销）")
                        })
                    }
                    Err(e) => next.message = Some(e.to_string()),
                }
            }
        }
        Rc::new(next)
    }
}

/// What undo or redo did, in words.
fn replayed_message(r: Replayed, verb: &str) -> String {
    match r {
        Replayed::Nothing => format!("没有可{verb}的操作"),
        Replayed::Done { skipped: 0 } => format!("已{verb}"),
        Replayed::Done { skipped } => {
            format!("已{verb}；其中 {skipped} 条标注已在另一标签页中修改，保留了那边的版本")
        }
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
        Rc::new(AppState::with_article(
            Rc::new(Article::parse("题\n\n  正文。\n")),
            UserDict::default(),
            false,
        ))
    }

    #[test]
    fn a_pull_is_taken_in_once_storage_is_read_and_is_not_undone() {
        use crate::core::sync::mapping::{Pull, Pulled};
        let pulled = Annotation {
            id: "p".into(),
            created: "2026-11-30T08:00:00.000Z".into(),
            modified: "2026-11-30T08:00:00.000Z".into(),
            tags: vec!["地点".into()],
            note: String::new(),
            target: Target::Document,
        };
        let pull = Rc::new(Pull {
            annotations: vec![Pulled::Shown(Rc::new(pulled))],
            ..Pull::default()
        });
        // Before storage is read nothing is taken in (the read would
        // replace it); the engine delivers again once it is.
        let early = state().reduce(Action::Pulled(pull.clone()));
        assert!(early.store.state().get("p").is_none());
        let s = state()
            .reduce(Action::Loaded(Annotations::default()))
            .reduce(Action::Pulled(pull));
        assert!(s.store.state().get("p").is_some());
        assert!(s.store.state().tag("地点").is_some());
        let s = s.reduce(Action::Undo);
        assert!(s.store.state().get("p").is_some());
    }

    #[test]
    fn pulled_dictionary_words_resegment_once() {
        use crate::core::sync::mapping::Pull;
        use crate::core::sync::userdict::WordChange;
        let pull = Rc::new(Pull {
            words: vec![WordChange::Rule("双城/经济圈".into())],
            ..Pull::default()
        });
        let s = state().reduce(Action::Pulled(pull.clone()));
        assert_eq!(s.user_dict.split, ["双城/经济圈"]);
        assert_eq!(s.request_id, state().request_id + 1);
        // The same pull again changes nothing and asks for nothing.
        assert_eq!(
            s.clone().reduce(Action::Pulled(pull)).request_id,
            s.request_id
        );
    }

    #[test]
    fn a_relation_is_made_renamed_and_goes_with_its_annotation() {
        let mut s = state();
        for (id, start) in [("a", 4), ("b", 5)] {
            let target = Target::passage(&s.article, start, start + 1);
            s = s.reduce(Action::Apply(Command::Add(Annotation {
                id: id.into(),
                created: "2026-11-30T08:00:00.000Z".into(),
                modified: "2026-11-30T08:00:00.000Z".into(),
                tags: vec!["词".into()],
                note: String::new(),
                target,
            })));
        }
        let s = s.reduce(Action::StartLink("a".into()));
        let s = s.reduce(Action::LinkTo("b".into()));
        assert_eq!(s.linking.as_ref().and_then(|l| l.to.as_deref()), Some("b"));
        let popup = RelationPopup {
            from: "a".into(),
            to: "b".into(),
            editing: None,
            x: 0.0,
            y: 0.0,
        };
        let s = s.reduce(Action::OpenRelationPopup(popup.clone()));
        let save = |label: &str| Action::SaveRelation {
            label: label.into(),
            id: "r".into(),
            now: "2026-11-30T09:00:00.000Z".into(),
        };
        let s = s.reduce(save("修饰"));
        assert!(s.linking.is_none() && s.relation_popup.is_none());
        assert_eq!(s.selected.as_deref(), Some("a"));
        assert_eq!(s.store.state().get("r").unwrap().tags, ["修饰"]);
        // Renamed through the same field.
        let s = s.reduce(Action::OpenRelationPopup(RelationPopup {
            editing: Some("r".into()),
            ..popup
        }));
        let s = s.reduce(save("限定"));
        assert_eq!(s.store.state().get("r").unwrap().tags, ["限定"]);
        // Deleting an end takes the relation and says so; undo brings both.
        let s = s.reduce(Action::Apply(Command::Delete { id: "b".into() }));
        assert!(s.store.state().get("r").is_none());
        assert!(s
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("1 条关系"));
        let s = s.reduce(Action::Undo);
        assert!(s.store.state().get("r").is_some() && s.store.state().get("b").is_some());
    }

    #[test]
    fn stale_segmentation_answers_are_ignored() {
        let s = state().reduce(Action::JoinWord("正文".into()));
        assert_eq!(s.request_id, 2);
        let s = s.reduce(Action::Segmented {
            id: 1,
            tokens: vec![],
            segment_ms: 1.0,
            blocks_done: 2,
            blocks_total: 2,
        });
        assert_eq!(s.segmentation, Segmentation::Loading);
        let s = s.reduce(Action::Segmented {
            id: 2,
            tokens: vec![],
            segment_ms: 1.0,
            blocks_done: 2,
            blocks_total: 2,
        });
        assert!(s.tokens().is_some());
    }

    /// A long document's words arrive in slices; a new segmentation (after
    /// a dictionary edit) shows the old words for the blocks not done yet.
    #[test]
    fn words_arrive_in_slices_over_the_previous_ones() {
        let word = |start, end| Token {
            start,
            end,
            kind: TokenKind::Word,
        };
        let slice = |s: Rc<AppState>, id, tokens, blocks_done| {
            s.reduce(Action::Segmented {
                id,
                tokens,
                segment_ms: 1.0,
                blocks_done,
                blocks_total: 2,
            })
        };
        let s = slice(state(), 1, vec![word(0, 1)], 1);
        assert!(matches!(
            s.segmentation,
            Segmentation::Partial { blocks_done: 1, .. }
        ));
        assert_eq!(s.tokens().unwrap().as_slice(), [word(0, 1)]);
        let s = slice(s, 1, vec![word(3, 5), word(5, 6)], 2);
        assert!(matches!(
            s.segmentation,
            Segmentation::Ready { words: 3, .. }
        ));
        assert_eq!(s.tokens().unwrap().len(), 3);

        let s = s.reduce(Action::JoinWord("正文".into()));
        let s = slice(s, 2, vec![word(0, 1)], 1);
        // The second block keeps its old words until its new ones come.
        assert_eq!(
            s.tokens().unwrap().as_slice(),
            [word(0, 1), word(3, 5), word(5, 6)]
        );
        let s = slice(s, 2, vec![word(3, 6)], 2);
        assert_eq!(s.tokens().unwrap().as_slice(), [word(0, 1), word(3, 6)]);
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

    /// A tag popup on the first two characters of the first paragraph.
    fn popup_on_first_word(s: &AppState) -> Popup {
        let b = &s.article.blocks[1];
        Popup {
            target: PopupTarget::Passage {
                start: b.start,
                end: b.start + 2,
            },
            x: 0.0,
            y: 0.0,
        }
    }

    #[test]
    fn opening_the_popup_ends_a_keyboard_selection() {
        let s = state();
        let popup = popup_on_first_word(&s);
        let PopupTarget::Passage { start, end } = popup.target else {
            unreachable!()
        };
        let s = s.reduce(Action::KeySelect(Some((start, end))));
        assert_eq!(s.key_selection, Some((start, end)));
        let s = s.reduce(Action::OpenPopup(popup.clone()));
        assert_eq!(s.key_selection, None);
        assert_eq!(s.popup, Some(popup));
    }

    fn save(tags: &[&str], note: &str, id: &str, original: Option<Annotation>) -> PopupSave {
        PopupSave {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            note: note.into(),
            id: id.into(),
            now: "2026-01-01T00:00:00.000Z".into(),
            original,
        }
    }

    #[test]
    fn saving_from_the_popup_adds_selects_and_undoes() {
        let s = state();
        let popup = popup_on_first_word(&s);
        let s = s.reduce(Action::OpenPopup(popup.clone()));
        let s = s.reduce(Action::SavePopup(save(&["人物"], "注", "id-1", None)));
        assert_eq!(s.popup, None);
        assert_eq!(s.selected.as_deref(), Some("id-1"));
        let a = s.store.state().get("id-1").unwrap();
        assert_eq!(a.target.quote().unwrap().exact, "正文");
        assert_eq!(a.note, "注");
        let s = s.reduce(Action::Undo);
        assert!(s.store.state().annotations.is_empty());
        let s = s.reduce(Action::Redo);
        assert_eq!(s.store.state().annotations.len(), 1);
    }

    #[test]
    fn saving_twice_quickly_makes_one_annotation() {
        let s = state();
        let popup = popup_on_first_word(&s);
        let s = s.reduce(Action::OpenPopup(popup));
        let s = s.reduce(Action::SavePopup(save(&["人物"], "", "id-1", None)));
        let s = s.reduce(Action::SavePopup(save(&["人物"], "", "id-2", None)));
        assert_eq!(s.store.state().annotations.len(), 1);
        assert!(s.message.is_none(), "{:?}", s.message);
    }

    #[test]
    fn an_edit_saved_after_another_tab_deleted_the_annotation_brings_it_back() {
        let s = state();
        let popup = popup_on_first_word(&s);
        let s = s.reduce(Action::OpenPopup(popup));
        let s = s.reduce(Action::SavePopup(save(&["人物"], "", "id-1", None)));
        let original = s.store.state().get("id-1").cloned();
        let s = s.reduce(Action::OpenPopup(Popup {
            target: PopupTarget::Edit("id-1".into()),
            x: 0.0,
            y: 0.0,
        }));
        // The other tab deletes it while the person types.
        let s = s.reduce(Action::Adopt(Annotations::default()));
        let s = s.reduce(Action::SavePopup(save(
            &["人物"],
            "写了一半的备注",
            "x",
            original,
        )));
        assert_eq!(s.store.state().get("id-1").unwrap().note, "写了一半的备注");
        assert!(s.popup.is_none());
    }

    #[test]
    fn a_failing_command_shows_a_message_and_changes_nothing() {
        let s = state().reduce(Action::Apply(Command::Delete { id: "nope".into() }));
        assert!(s.message.is_some());
        assert!(s.store.state().annotations.is_empty());
        assert!(!s.store.can_undo());
    }

    #[test]
    fn replace_asks_once_more_and_import_is_undoable() {
        let s = state();
        let popup = popup_on_first_word(&s);
        let s = s.reduce(Action::OpenPopup(popup));
        let s = s.reduce(Action::SavePopup(save(&["甲"], "", "mine", None)));
        let mut theirs = (*s.store.state().annotations[0]).clone();
        theirs.id = "theirs".into();
        let preview = ImportPreview {
            format: "test",
            placed: vec![theirs],
            orphans: vec![],
            tags: vec![],
            report: AnchorReport::default(),
            derived_ids: 0,
            other_document: false,
            new_document: None,
            left_out: vec![],
            confirm_replace: false,
        };
        let s = s.reduce(Action::ImportReady(preview));
        let s = s.reduce(Action::ConfirmImport(ImportMode::Replace));
        assert!(
            s.import.as_ref().unwrap().confirm_replace,
            "asks before replacing"
        );
        assert!(s.store.state().get("mine").is_some());
        let s = s.reduce(Action::ConfirmImport(ImportMode::Replace));
        assert!(s.store.state().get("mine").is_none());
        assert!(s.store.state().get("theirs").is_some());
        let s = s.reduce(Action::Undo);
        assert!(s.store.state().get("mine").is_some());
    }

    #[test]
    fn marking_the_same_word_twice_clears_it() {
        let s = state().reduce(Action::MarkWord(Some("正文".into())));
        assert_eq!(s.marked_word.as_deref(), Some("正文"));
        let s = s.reduce(Action::MarkWord(Some("正文".into())));
        assert_eq!(s.marked_word, None);
    }
}
