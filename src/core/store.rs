//! The annotation store: applies commands, keeps tags consistent, and keeps
//! the undo/redo history. Ids and times come in with the commands, so the
//! store is deterministic and testable without a clock.

use serde::{Deserialize, Serialize};

use super::annotation::{next_color, normalize_tag, Annotation, Tag};

/// Everything a person made for one document: what is saved and exported.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotations {
    pub annotations: Vec<Annotation>,
    pub tags: Vec<Tag>,
    /// Imported annotations whose text could not be found: kept, listed,
    /// exported, never dropped.
    #[serde(default)]
    pub orphans: Vec<Annotation>,
}

impl Annotations {
    pub fn get(&self, id: &str) -> Option<&Annotation> {
        self.annotations
            .iter()
            .chain(self.orphans.iter())
            .find(|a| a.id == id)
    }

    pub fn tag(&self, name: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| t.name == name)
    }

    /// How many annotations carry the tag `name`.
    pub fn usage(&self, name: &str) -> usize {
        self.all()
            .filter(|a| a.tags.iter().any(|t| t == name))
            .count()
    }

    /// Placed annotations and orphans.
    pub fn all(&self) -> impl Iterator<Item = &Annotation> {
        self.annotations.iter().chain(self.orphans.iter())
    }

    fn all_mut(&mut self) -> impl Iterator<Item = &mut Annotation> {
        self.annotations.iter_mut().chain(self.orphans.iter_mut())
    }

    /// Annotations in document order: document-level first, then by start,
    /// longer (enclosing) spans before the spans they contain.
    pub fn in_document_order(&self) -> Vec<&Annotation> {
        let mut v: Vec<&Annotation> = self.annotations.iter().collect();
        v.sort_by_key(|a| match a.target.range() {
            None => (0, 0, 0),
            Some((s, e)) => (1, s, usize::MAX - e),
        });
        v
    }

    /// Adds any tag named in `names` that does not exist yet, with a fresh colour.
    fn ensure_tags(&mut self, names: &[String]) {
        for n in names {
            if self.tag(n).is_none() {
                let color = next_color(&self.tags);
                self.tags.push(Tag {
                    name: n.clone(),
                    color,
                });
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Add(Annotation),
    /// Replaces the tags and note of an annotation.
    Edit {
        id: String,
        tags: Vec<String>,
        note: String,
        now: String,
    },
    Delete {
        id: String,
    },
    RenameTag {
        from: String,
        to: String,
        now: String,
    },
    RecolorTag {
        name: String,
        color: String,
    },
    /// Every annotation tagged `from` is tagged `into` instead; `from` goes.
    MergeTags {
        from: String,
        into: String,
        now: String,
    },
    /// Removes the tag and takes it off every annotation.
    DeleteTag {
        name: String,
        now: String,
    },
    /// Replaces everything (import, restore): undoable like any edit.
    Replace(Annotations),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    NoSuchAnnotation(String),
    DuplicateId(String),
    NoSuchTag(String),
    TagExists(String),
    EmptyTagName,
    BadColor(String),
    EmptyRange,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NoSuchAnnotation(id) => write!(f, "没有这条标注：{id}"),
            StoreError::DuplicateId(id) => write!(f, "标注编号重复：{id}"),
            StoreError::NoSuchTag(t) => write!(f, "没有这个标签：{t}"),
            StoreError::TagExists(t) => write!(f, "标签“{t}”已存在（可用合并）"),
            StoreError::EmptyTagName => write!(f, "标签名不能为空"),
            StoreError::BadColor(c) => write!(f, "颜色格式不对：{c}"),
            StoreError::EmptyRange => write!(f, "没有选中文字"),
        }
    }
}

/// How many steps of history are kept.
pub const HISTORY_LIMIT: usize = 500;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Store {
    current: Annotations,
    undo: Vec<Annotations>,
    redo: Vec<Annotations>,
}

impl Store {
    pub fn new(initial: Annotations) -> Self {
        Store {
            current: initial,
            undo: Vec::new(),
            redo: Vec::new(),
        }
    }

    pub fn state(&self) -> &Annotations {
        &self.current
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Applies `cmd`; on error nothing changes.
    pub fn apply(&mut self, cmd: Command) -> Result<(), StoreError> {
        let next = apply(&self.current, cmd)?;
        if next != self.current {
            let prev = std::mem::replace(&mut self.current, next);
            self.undo.push(prev);
            if self.undo.len() > HISTORY_LIMIT {
                self.undo.remove(0);
            }
            self.redo.clear();
        }
        Ok(())
    }

    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(prev) => {
                self.redo.push(std::mem::replace(&mut self.current, prev));
                true
            }
            None => false,
        }
    }

    pub fn redo(&mut self) -> bool {
        match self.redo.pop() {
            Some(next) => {
                self.undo.push(std::mem::replace(&mut self.current, next));
                true
            }
            None => false,
        }
    }

    /// Takes a state changed elsewhere (another tab) as the new current
    /// state, keeping the history so this tab's own edits stay undoable.
    pub fn adopt(&mut self, outside: Annotations) {
        if outside != self.current {
            let prev = std::mem::replace(&mut self.current, outside);
            self.undo.push(prev);
            self.redo.clear();
        }
    }
}

fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags
        .iter()
        .map(|t| normalize_tag(t))
        .filter(|t| !t.is_empty())
    {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

fn is_hex_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
}

fn apply(cur: &Annotations, cmd: Command) -> Result<Annotations, StoreError> {
    let mut next = cur.clone();
    match cmd {
        Command::Add(mut a) => {
            if next.get(&a.id).is_some() {
                return Err(StoreError::DuplicateId(a.id));
            }
            if matches!(a.target.range(), Some((s, e)) if s >= e) {
                return Err(StoreError::EmptyRange);
            }
            a.tags = clean_tags(&a.tags);
            next.ensure_tags(&a.tags);
            next.annotations.push(a);
        }
        Command::Edit {
            id,
            tags,
            note,
            now,
        } => {
            let tags = clean_tags(&tags);
            next.ensure_tags(&tags);
            let a = next
                .all_mut()
                .find(|a| a.id == id)
                .ok_or(StoreError::NoSuchAnnotation(id))?;
            if a.tags != tags || a.note != note {
                a.tags = tags;
                a.note = note;
                a.modified = now;
            }
        }
        Command::Delete { id } => {
            let before = next.annotations.len() + next.orphans.len();
            next.annotations.retain(|a| a.id != id);
            next.orphans.retain(|a| a.id != id);
            if next.annotations.len() + next.orphans.len() == before {
                return Err(StoreError::NoSuchAnnotation(id));
            }
        }
        Command::RenameTag { from, to, now } => {
            let to = normalize_tag(&to);
            if to.is_empty() {
                return Err(StoreError::EmptyTagName);
            }
            if to == from {
                return Ok(next);
            }
            if next.tag(&to).is_some() {
                return Err(StoreError::TagExists(to));
            }
            let tag = next
                .tags
                .iter_mut()
                .find(|t| t.name == from)
                .ok_or_else(|| StoreError::NoSuchTag(from.clone()))?;
            tag.name = to.clone();
            for a in next.all_mut() {
                if let Some(t) = a.tags.iter_mut().find(|t| **t == from) {
                    *t = to.clone();
                    a.modified = now.clone();
                }
            }
        }
        Command::RecolorTag { name, color } => {
            if !is_hex_color(&color) {
                return Err(StoreError::BadColor(color));
            }
            let tag = next
                .tags
                .iter_mut()
                .find(|t| t.name == name)
                .ok_or(StoreError::NoSuchTag(name))?;
            tag.color = color.to_ascii_lowercase();
        }
        Command::MergeTags { from, into, now } => {
            if next.tag(&from).is_none() {
                return Err(StoreError::NoSuchTag(from));
            }
            if next.tag(&into).is_none() {
                return Err(StoreError::NoSuchTag(into));
            }
            if from == into {
                return Ok(next);
            }
            next.tags.retain(|t| t.name != from);
            for a in next.all_mut() {
                if a.tags.contains(&from) {
                    a.tags = a
                        .tags
                        .iter()
                        .map(|t| if *t == from { into.clone() } else { t.clone() })
                        .collect();
                    a.tags = clean_tags(&a.tags);
                    a.modified = now.clone();
                }
            }
        }
        Command::DeleteTag { name, now } => {
            if next.tag(&name).is_none() {
                return Err(StoreError::NoSuchTag(name));
            }
            next.tags.retain(|t| t.name != name);
            for a in next.all_mut() {
                if a.tags.contains(&name) {
                    a.tags.retain(|t| *t != name);
                    a.modified = now.clone();
                }
            }
        }
        Command::Replace(all) => next = all,
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::annotation::{Target, TextQuote};
    use proptest::prelude::*;

    fn ann(id: &str, start: usize, end: usize, tags: &[&str]) -> Annotation {
        Annotation {
            id: id.into(),
            created: "2026-01-01T00:00:00.000Z".into(),
            modified: "2026-01-01T00:00:00.000Z".into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            note: String::new(),
            target: Target::Passage {
                start,
                end,
                quote: TextQuote {
                    exact: "x".repeat(end - start),
                    prefix: String::new(),
                    suffix: String::new(),
                },
            },
        }
    }

    const NOW: &str = "2026-02-02T00:00:00.000Z";

    #[test]
    fn adding_creates_missing_tags_with_distinct_colours() {
        let mut s = Store::default();
        s.apply(Command::Add(ann("a", 0, 2, &[" 经济 ", "人物", "经济"])))
            .unwrap();
        assert_eq!(s.state().annotations[0].tags, ["经济", "人物"]);
        assert_eq!(s.state().tags.len(), 2);
        assert_ne!(s.state().tags[0].color, s.state().tags[1].color);
    }

    #[test]
    fn errors_change_nothing() {
        let mut s = Store::default();
        s.apply(Command::Add(ann("a", 0, 2, &["t"]))).unwrap();
        let before = s.clone();
        assert_eq!(
            s.apply(Command::Add(ann("a", 3, 4, &[]))),
            Err(StoreError::DuplicateId("a".into()))
        );
        assert_eq!(
            s.apply(Command::Add(ann("b", 3, 3, &[]))),
            Err(StoreError::EmptyRange)
        );
        assert!(s.apply(Command::Delete { id: "zz".into() }).is_err());
        assert!(s
            .apply(Command::RecolorTag {
                name: "t".into(),
                color: "red".into()
            })
            .is_err());
        assert_eq!(s, before);
    }

    #[test]
    fn rename_merge_and_delete_tags_follow_every_annotation() {
        let mut s = Store::default();
        s.apply(Command::Add(ann("a", 0, 2, &["甲", "乙"])))
            .unwrap();
        s.apply(Command::Add(ann("b", 3, 5, &["乙"]))).unwrap();
        s.apply(Command::RenameTag {
            from: "乙".into(),
            to: "丙".into(),
            now: NOW.into(),
        })
        .unwrap();
        assert_eq!(s.state().get("b").unwrap().tags, ["丙"]);
        assert_eq!(s.state().get("b").unwrap().modified, NOW);
        assert_eq!(
            s.apply(Command::RenameTag {
                from: "丙".into(),
                to: "甲".into(),
                now: NOW.into()
            }),
            Err(StoreError::TagExists("甲".into()))
        );
        s.apply(Command::MergeTags {
            from: "丙".into(),
            into: "甲".into(),
            now: NOW.into(),
        })
        .unwrap();
        assert_eq!(s.state().get("a").unwrap().tags, ["甲"]);
        assert_eq!(s.state().usage("甲"), 2);
        assert!(s.state().tag("丙").is_none());
        s.apply(Command::DeleteTag {
            name: "甲".into(),
            now: NOW.into(),
        })
        .unwrap();
        assert!(s.state().tags.is_empty());
        assert_eq!(
            s.state().annotations.len(),
            2,
            "annotations stay when their tag goes"
        );
    }

    #[test]
    fn document_order_puts_enclosing_spans_first() {
        let mut s = Store::default();
        s.apply(Command::Add(ann("inner", 5, 7, &[]))).unwrap();
        s.apply(Command::Add(ann("outer", 5, 9, &[]))).unwrap();
        s.apply(Command::Add(ann("first", 1, 2, &[]))).unwrap();
        let ids: Vec<_> = s
            .state()
            .in_document_order()
            .iter()
            .map(|a| a.id.clone())
            .collect();
        assert_eq!(ids, ["first", "outer", "inner"]);
    }

    #[test]
    fn a_new_edit_clears_redo() {
        let mut s = Store::default();
        s.apply(Command::Add(ann("a", 0, 2, &[]))).unwrap();
        assert!(s.undo());
        assert!(s.can_redo());
        s.apply(Command::Add(ann("b", 0, 2, &[]))).unwrap();
        assert!(!s.can_redo());
        assert!(!s.redo());
    }

    fn command() -> impl Strategy<Value = Command> {
        let name = prop::sample::select(vec!["甲", "乙", "丙", "人物 地点"]);
        let id = prop::sample::select(vec!["a", "b", "c", "d"]);
        prop_oneof![
            (
                id.clone(),
                0usize..50,
                1usize..10,
                prop::collection::vec(name.clone(), 0..3)
            )
                .prop_map(|(id, s, len, tags)| Command::Add(ann(
                    id,
                    s,
                    s + len,
                    &tags
                ))),
            (
                id.clone(),
                prop::collection::vec(name.clone(), 0..3),
                "[a-z]{0,3}"
            )
                .prop_map(|(id, tags, note)| {
                    Command::Edit {
                        id: id.into(),
                        tags: tags.into_iter().map(String::from).collect(),
                        note,
                        now: NOW.into(),
                    }
                }),
            id.prop_map(|id| Command::Delete { id: id.into() }),
            (name.clone(), name.clone()).prop_map(|(f, t)| Command::RenameTag {
                from: f.into(),
                to: t.into(),
                now: NOW.into()
            }),
            (
                name.clone(),
                prop::sample::select(PALETTE_FOR_TESTS.to_vec())
            )
                .prop_map(|(n, c)| Command::RecolorTag {
                    name: n.into(),
                    color: c.into()
                }),
            (name.clone(), name.clone()).prop_map(|(f, t)| Command::MergeTags {
                from: f.into(),
                into: t.into(),
                now: NOW.into()
            }),
            name.prop_map(|n| Command::DeleteTag {
                name: n.into(),
                now: NOW.into()
            }),
        ]
    }

    const PALETTE_FOR_TESTS: &[&str] = &["#112233", "#abcdef", "#e8590c"];

    proptest! {
        #[test]
        fn undoing_everything_restores_the_start_and_redo_the_end(cmds in prop::collection::vec(command(), 0..40)) {
            let mut s = Store::default();
            s.apply(Command::Add(ann("seed", 0, 3, &["甲"]))).unwrap();
            let initial = s.state().clone();
            let mut applied = 0;
            for c in cmds {
                let before = s.state().clone();
                match s.apply(c) {
                    Ok(()) => if *s.state() != before { applied += 1 },
                    Err(_) => prop_assert_eq!(s.state(), &before),
                }
                // Invariant: every tag used by an annotation exists.
                for a in &s.state().annotations {
                    for t in &a.tags {
                        prop_assert!(s.state().tag(t).is_some());
                    }
                }
            }
            let last = s.state().clone();
            for _ in 0..applied { prop_assert!(s.undo()); }
            prop_assert!(s.undo());
            prop_assert_eq!(s.state(), &Annotations::default());
            prop_assert!(s.redo());
            prop_assert_eq!(s.state(), &initial);
            for _ in 0..applied { prop_assert!(s.redo()); }
            prop_assert_eq!(s.state(), &last);
            prop_assert!(!s.redo());
        }
    }
}
