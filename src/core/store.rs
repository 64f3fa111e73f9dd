//! The annotation store: applies commands, keeps tags consistent, and keeps
//! the undo/redo history. Ids and times come in with the commands, so the
//! store is deterministic and testable without a clock.
//!
//! A history step records only what its command changed (each touched
//! annotation before and after, the tag list when it changed), not a copy of
//! everything: memory grows with what changed, and undo puts back only this
//! tab's own changes. An annotation another tab changed since is left as
//! that tab made it (undo says so) instead of being overwritten.

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::annotation::{is_hex_color, next_color, normalize_tag, Annotation, Tag};

/// Everything a person made for one document: what is saved and exported.
/// `annotations` and `orphans` are each kept sorted by id (see
/// `normalize_order`), so lookups are binary searches and a history step
/// can put an annotation back exactly where it was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotations {
    /// Shared, not copied, between the states, the undo history and the
    /// views: a change copies pointers and allocates only what it changes,
    /// and comparing two states skips every annotation they share.
    pub annotations: Vec<Rc<Annotation>>,
    pub tags: Vec<Tag>,
    /// Imported annotations whose text could not be found: kept, listed,
    /// exported, never dropped.
    #[serde(default)]
    pub orphans: Vec<Rc<Annotation>>,
}

impl Annotations {
    pub fn get(&self, id: &str) -> Option<&Annotation> {
        self.slot(id).map(|(_, a)| a)
    }

    /// The annotation `id` and whether it is an orphan.
    pub fn slot(&self, id: &str) -> Option<(bool, &Annotation)> {
        self.shared_slot(id).map(|(orphan, a)| (orphan, &**a))
    }

    /// Like `slot`, with the shared annotation itself.
    pub fn shared_slot(&self, id: &str) -> Option<(bool, &Rc<Annotation>)> {
        let find = |list: &[Rc<Annotation>]| list.binary_search_by(|a| a.id.as_str().cmp(id)).ok();
        find(&self.annotations)
            .map(|i| (false, &self.annotations[i]))
            .or_else(|| find(&self.orphans).map(|i| (true, &self.orphans[i])))
    }

    /// Puts `slot` (an annotation and whether it is an orphan) in place of
    /// whatever has the id `id`, or removes it with `None`.
    pub fn set_slot(&mut self, id: &str, slot: Option<(bool, Annotation)>) {
        self.set_shared_slot(id, slot.map(|(orphan, a)| (orphan, Rc::new(a))));
    }

    /// `set_slot` with an annotation already shared (from the history).
    pub fn set_shared_slot(&mut self, id: &str, slot: Option<(bool, Rc<Annotation>)>) {
        for list in [&mut self.annotations, &mut self.orphans] {
            if let Ok(i) = list.binary_search_by(|a| a.id.as_str().cmp(id)) {
                list.remove(i);
            }
        }
        if let Some((orphan, a)) = slot {
            let list = if orphan {
                &mut self.orphans
            } else {
                &mut self.annotations
            };
            let i = list.partition_point(|x| x.id < a.id);
            list.insert(i, a);
        }
    }

    /// Sorts both lists by id, the order every other method relies on.
    pub fn normalize_order(&mut self) {
        self.annotations.sort_by(|a, b| a.id.cmp(&b.id));
        self.orphans.sort_by(|a, b| a.id.cmp(&b.id));
    }

    pub fn tag(&self, name: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| t.name == name)
    }

    /// How many annotations carry each tag, counted in one pass (views
    /// memoise it per change instead of counting per tag per render).
    pub fn usage_counts(&self) -> std::collections::HashMap<String, usize> {
        let mut counts = std::collections::HashMap::new();
        for a in self.all() {
            for t in &a.tags {
                *counts.entry(t.clone()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// How many annotations carry the tag `name`.
    pub fn usage(&self, name: &str) -> usize {
        self.all()
            .filter(|a| a.tags.iter().any(|t| t == name))
            .count()
    }

    /// Placed annotations and orphans.
    pub fn all(&self) -> impl Iterator<Item = &Annotation> {
        self.annotations
            .iter()
            .chain(self.orphans.iter())
            .map(|a| &**a)
    }

    /// Every annotation, to change in place: `Rc::make_mut` copies only the
    /// ones actually changed.
    fn all_mut(&mut self) -> impl Iterator<Item = &mut Rc<Annotation>> {
        self.annotations.iter_mut().chain(self.orphans.iter_mut())
    }

    /// Annotations in document order: document-level first, then by start,
    /// longer (enclosing) spans before the spans they contain. Relations are
    /// not in it (`relations`).
    pub fn in_document_order(&self) -> Vec<&Rc<Annotation>> {
        let mut v: Vec<&Rc<Annotation>> = self
            .annotations
            .iter()
            .filter(|a| a.target.ends().is_none())
            .collect();
        v.sort_by_key(|a| match a.target.range() {
            None => (0, 0, 0),
            Some((s, e)) => (1, s, usize::MAX - e),
        });
        v
    }

    /// The relations (placed, in id order).
    pub fn relations(&self) -> impl Iterator<Item = &Rc<Annotation>> {
        self.annotations
            .iter()
            .filter(|a| a.target.ends().is_some())
    }

    /// Relations from or to annotation `id`.
    pub fn relations_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Rc<Annotation>> {
        self.relations()
            .filter(move |r| r.target.ends().is_some_and(|(f, t)| f == id || t == id))
    }

    /// How many annotations there are, relations not counted.
    pub fn annotation_count(&self) -> usize {
        self.all().filter(|a| a.target.ends().is_none()).count()
    }

    /// Gives every tag an annotation uses (and that has no entry) a palette
    /// colour, so no annotation names a tag that does not exist.
    pub fn ensure_used_tags(&mut self) {
        let used: Vec<String> = self.all().flat_map(|a| a.tags.clone()).collect();
        self.ensure_tags(&used);
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
    /// A relation must link two different annotations that exist.
    RelationEnds,
    /// A relation has exactly one label.
    RelationLabel,
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
            StoreError::RelationEnds => write!(f, "关系须连接两条不同的、存在的标注"),
            StoreError::RelationLabel => write!(f, "关系须有一个名称"),
        }
    }
}

/// How many steps of history are kept.
pub const HISTORY_LIMIT: usize = 500;

/// An annotation and whether it is an orphan: what one id holds.
pub type Slot = (bool, Annotation);

/// A slot whose annotation is shared with the state it came from.
pub type SharedSlot = (bool, Rc<Annotation>);

/// What one id held before and after a step (shared with the states).
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    id: String,
    before: Option<(bool, Rc<Annotation>)>,
    after: Option<(bool, Rc<Annotation>)>,
}

/// One undoable step: only what it changed.
#[derive(Clone, Debug, Default, PartialEq)]
struct Change {
    entries: Vec<Entry>,
    /// The whole tag list before and after, when the step changed it (tags
    /// are few; their order is the order the popup offers them in).
    tags: Option<(Vec<Tag>, Vec<Tag>)>,
}

impl Change {
    fn between(before: &Annotations, after: &Annotations) -> Change {
        let mut entries: Vec<Entry> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for orphan in [false, true] {
            let (old, new) = if orphan {
                (&before.orphans, &after.orphans)
            } else {
                (&before.annotations, &after.annotations)
            };
            for (id, b, a) in diff_sorted(old, new) {
                let (b, a) = (b.map(|x| (orphan, x)), a.map(|x| (orphan, x)));
                // An id that moved between the lists is one entry.
                match index.get(&id) {
                    Some(&i) => {
                        let e = &mut entries[i];
                        e.before = e.before.take().or(b);
                        e.after = e.after.take().or(a);
                    }
                    None => {
                        index.insert(id.clone(), entries.len());
                        entries.push(Entry {
                            id,
                            before: b,
                            after: a,
                        });
                    }
                }
            }
        }
        let tags = (before.tags != after.tags).then(|| (before.tags.clone(), after.tags.clone()));
        Change { entries, tags }
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.tags.is_none()
    }

    /// Moves `state` from this step's one side to the other (`forward`:
    /// before -> after). An id whose value is no longer what this step left
    /// (another tab changed it) is left alone and counted.
    fn replay(&self, state: &mut Annotations, forward: bool) -> usize {
        let mut skipped = 0;
        for e in &self.entries {
            let (from, to) = if forward {
                (&e.before, &e.after)
            } else {
                (&e.after, &e.before)
            };
            let now = state.shared_slot(&e.id).map(|(o, a)| (o, a.clone()));
            if now == *from {
                state.set_shared_slot(&e.id, to.clone());
            } else {
                skipped += 1;
            }
        }
        if let Some((before, after)) = &self.tags {
            let (from, to) = if forward {
                (before, after)
            } else {
                (after, before)
            };
            if state.tags == *from {
                state.tags = to.clone();
            } else {
                // Tags another tab changed meanwhile: per name, only what
                // is still as this step left it.
                let names: Vec<String> = from
                    .iter()
                    .chain(to.iter())
                    .map(|t| t.name.clone())
                    .collect();
                for name in names {
                    let find = |l: &[Tag]| l.iter().find(|t| t.name == name).cloned();
                    if find(&state.tags) == find(from) {
                        state.tags.retain(|t| t.name != name);
                        if let Some(t) = find(to) {
                            state.tags.push(t);
                        }
                    }
                }
            }
        }
        // Every tag an annotation uses exists, whatever was skipped.
        state.ensure_used_tags();
        skipped
    }
}

type Shared = Rc<Annotation>;

/// `(id, before, after)` for every id whose annotation differs between two
/// lists sorted by id, in one linear walk. Annotations the two share are
/// skipped without comparing their fields.
pub fn diff_sorted(
    before: &[Shared],
    after: &[Shared],
) -> Vec<(String, Option<Shared>, Option<Shared>)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < before.len() || j < after.len() {
        match (before.get(i), after.get(j)) {
            (Some(b), Some(a)) if b.id == a.id => {
                if !Rc::ptr_eq(b, a) && b != a {
                    out.push((b.id.clone(), Some(b.clone()), Some(a.clone())));
                }
                i += 1;
                j += 1;
            }
            (Some(b), Some(a)) if b.id < a.id => {
                out.push((b.id.clone(), Some(b.clone()), None));
                i += 1;
            }
            (Some(b), None) => {
                out.push((b.id.clone(), Some(b.clone()), None));
                i += 1;
            }
            (_, Some(a)) => {
                out.push((a.id.clone(), None, Some(a.clone())));
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// What an undo or redo did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replayed {
    /// There was nothing to undo (or redo).
    Nothing,
    /// Done; `skipped` annotations had been changed by another tab since and
    /// were left as that tab made them.
    Done { skipped: usize },
}

impl Replayed {
    pub fn happened(self) -> bool {
        self != Replayed::Nothing
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Store {
    /// Shared with the views: cloning the handle is free, and a view's
    /// derived data is recomputed only when this pointer changes.
    current: std::rc::Rc<Annotations>,
    /// Steps are shared (the app's state is copied on every action; its
    /// history must not be).
    undo: Vec<std::rc::Rc<Change>>,
    redo: Vec<std::rc::Rc<Change>>,
}

impl Store {
    pub fn new(mut initial: Annotations) -> Self {
        initial.normalize_order();
        Store {
            current: std::rc::Rc::new(initial),
            undo: Vec::new(),
            redo: Vec::new(),
        }
    }

    pub fn state(&self) -> &Annotations {
        &self.current
    }

    /// The current state as a shared handle (no copy).
    pub fn shared(&self) -> std::rc::Rc<Annotations> {
        self.current.clone()
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
        let change = Change::between(&self.current, &next);
        if !change.is_empty() {
            self.current = std::rc::Rc::new(next);
            self.undo.push(std::rc::Rc::new(change));
            if self.undo.len() > HISTORY_LIMIT {
                self.undo.remove(0);
            }
            self.redo.clear();
        }
        Ok(())
    }

    pub fn undo(&mut self) -> Replayed {
        match self.undo.pop() {
            Some(change) => {
                let skipped = change.replay(std::rc::Rc::make_mut(&mut self.current), false);
                self.redo.push(change);
                Replayed::Done { skipped }
            }
            None => Replayed::Nothing,
        }
    }

    pub fn redo(&mut self) -> Replayed {
        match self.redo.pop() {
            Some(change) => {
                let skipped = change.replay(std::rc::Rc::make_mut(&mut self.current), true);
                self.undo.push(change);
                Replayed::Done { skipped }
            }
            None => Replayed::Nothing,
        }
    }

    /// Takes a state changed elsewhere (another tab) as the current state.
    /// It is not this tab's action, so it is not in this tab's history; the
    /// history stays, and undo skips what the other tab changed since.
    pub fn adopt(&mut self, mut outside: Annotations) {
        outside.normalize_order();
        self.current = std::rc::Rc::new(outside);
    }

    /// Memory held by the history, in annotations stored (a measure for
    /// tests: it grows with what changed, not with the collection).
    pub fn history_size(&self) -> usize {
        self.undo
            .iter()
            .chain(self.redo.iter())
            .map(|c| {
                c.entries
                    .iter()
                    .map(|e| e.before.is_some() as usize + e.after.is_some() as usize)
                    .sum::<usize>()
            })
            .sum()
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
            if let Some((from, to)) = a.target.ends() {
                if from == to || next.get(from).is_none() || next.get(to).is_none() {
                    return Err(StoreError::RelationEnds);
                }
                if a.tags.len() != 1 {
                    return Err(StoreError::RelationLabel);
                }
            }
            next.ensure_tags(&a.tags);
            next.set_slot(&a.id.clone(), Some((false, a)));
        }
        Command::Edit {
            id,
            tags,
            note,
            now,
        } => {
            let tags = clean_tags(&tags);
            let is_relation = next.get(&id).is_some_and(|a| a.target.ends().is_some());
            if is_relation && tags.len() != 1 {
                return Err(StoreError::RelationLabel);
            }
            next.ensure_tags(&tags);
            let a = next
                .all_mut()
                .find(|a| a.id == id)
                .ok_or(StoreError::NoSuchAnnotation(id))?;
            if a.tags != tags || a.note != note {
                let a = Rc::make_mut(a);
                a.tags = tags;
                a.note = note;
                a.modified = now;
            }
        }
        // An annotation goes with its relations, in the same step.
        Command::Delete { id } => {
            let before = next.annotations.len() + next.orphans.len();
            let linked = |a: &Rc<Annotation>| {
                a.target
                    .ends()
                    .is_some_and(|(from, to)| from == id || to == id)
            };
            next.annotations.retain(|a| a.id != id && !linked(a));
            next.orphans.retain(|a| a.id != id && !linked(a));
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
                if a.tags.contains(&from) {
                    let a = Rc::make_mut(a);
                    for t in a.tags.iter_mut().filter(|t| **t == from) {
                        *t = to.clone();
                    }
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
                    let a = Rc::make_mut(a);
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
                    let a = Rc::make_mut(a);
                    a.tags.retain(|t| *t != name);
                    a.modified = now.clone();
                }
            }
        }
        Command::Replace(mut all) => {
            all.normalize_order();
            next = all
        }
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

    /// A step copies only what it changes: every other annotation is the
    /// same allocation in the state before, the state after and the history.
    #[test]
    fn a_change_shares_every_annotation_it_does_not_touch() {
        let mut s = Store::default();
        for i in 0..50 {
            s.apply(Command::Add(ann(&format!("a{i:02}"), i, i + 1, &["t"])))
                .unwrap();
        }
        let before = s.shared();
        s.apply(Command::Edit {
            id: "a07".into(),
            tags: vec!["u".into()],
            note: "改".into(),
            now: NOW.into(),
        })
        .unwrap();
        let after = s.shared();
        for (b, a) in before.annotations.iter().zip(&after.annotations) {
            assert_eq!(Rc::ptr_eq(b, a), a.id != "a07", "{}", a.id);
        }
        // Renaming a tag copies only the annotations that carry it.
        s.apply(Command::RenameTag {
            from: "u".into(),
            to: "v".into(),
            now: NOW.into(),
        })
        .unwrap();
        let renamed = s.shared();
        let copied: Vec<&str> = after
            .annotations
            .iter()
            .zip(&renamed.annotations)
            .filter(|(b, a)| !Rc::ptr_eq(b, a))
            .map(|(_, a)| a.id.as_str())
            .collect();
        assert_eq!(copied, ["a07"]);
        // Undo puts back the very annotations the steps replaced.
        s.undo();
        s.undo();
        assert!(Rc::ptr_eq(
            &s.state().annotations[7],
            &before.annotations[7]
        ));
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
        assert!(s.undo().happened());
        assert!(s.can_redo());
        s.apply(Command::Add(ann("b", 0, 2, &[]))).unwrap();
        assert!(!s.can_redo());
        assert!(!s.redo().happened());
    }

    fn relation(id: &str, from: &str, to: &str, label: &str) -> Annotation {
        Annotation {
            id: id.into(),
            created: NOW.into(),
            modified: NOW.into(),
            tags: vec![label.into()],
            note: String::new(),
            target: Target::Relation {
                from: from.into(),
                to: to.into(),
            },
        }
    }

    #[test]
    fn relations_need_two_ends_and_one_label_and_go_with_their_annotation() {
        let mut s = Store::default();
        s.apply(Command::Add(ann("a", 0, 2, &["人物"]))).unwrap();
        s.apply(Command::Add(ann("b", 3, 5, &["地点"]))).unwrap();
        assert_eq!(
            s.apply(Command::Add(relation("r", "a", "a", "位于"))),
            Err(StoreError::RelationEnds)
        );
        assert_eq!(
            s.apply(Command::Add(relation("r", "a", "zz", "位于"))),
            Err(StoreError::RelationEnds)
        );
        let mut unlabelled = relation("r", "a", "b", "位于");
        unlabelled.tags.clear();
        assert_eq!(
            s.apply(Command::Add(unlabelled)),
            Err(StoreError::RelationLabel)
        );
        s.apply(Command::Add(relation("r", "a", "b", "位于")))
            .unwrap();
        assert_eq!(s.state().relations_of("b").count(), 1);
        assert_eq!(s.state().annotation_count(), 2);
        assert_eq!(s.state().in_document_order().len(), 2);
        // The label is a tag: renaming the tag renames the label.
        s.apply(Command::RenameTag {
            from: "位于".into(),
            to: "在".into(),
            now: NOW.into(),
        })
        .unwrap();
        assert_eq!(s.state().get("r").unwrap().tags, ["在"]);
        assert_eq!(
            s.apply(Command::Edit {
                id: "r".into(),
                tags: vec![],
                note: String::new(),
                now: NOW.into()
            }),
            Err(StoreError::RelationLabel)
        );
        // Deleting an end deletes the relation, in one step.
        s.apply(Command::Delete { id: "a".into() }).unwrap();
        assert!(s.state().get("r").is_none());
        assert!(s.undo().happened());
        assert!(s.state().get("a").is_some() && s.state().get("r").is_some());
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
            id.clone().prop_map(|id| Command::Delete { id: id.into() }),
            (
                prop::sample::select(vec!["r1", "r2"]),
                id.clone(),
                id,
                name.clone()
            )
                .prop_map(|(rid, from, to, label)| Command::Add(relation(rid, from, to, label))),
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
        fn undo_and_redo_pass_back_through_every_state(cmds in prop::collection::vec(command(), 0..40)) {
            let mut s = Store::default();
            s.apply(Command::Add(ann("seed", 0, 3, &["甲"]))).unwrap();
            // Every state the commands pass through, in order.
            let mut states = vec![Annotations::default(), s.state().clone()];
            for c in cmds {
                let before = s.state().clone();
                match s.apply(c) {
                    Ok(()) => if *s.state() != before { states.push(s.state().clone()) },
                    Err(_) => prop_assert_eq!(s.state(), &before),
                }
                // Invariant: every tag used by an annotation exists.
                for a in &s.state().annotations {
                    for t in &a.tags {
                        prop_assert!(s.state().tag(t).is_some());
                    }
                }
            }
            for expected in states.iter().rev().skip(1) {
                prop_assert!(s.undo().happened());
                prop_assert_eq!(s.state(), expected);
            }
            prop_assert!(!s.undo().happened());
            for expected in states.iter().skip(1) {
                prop_assert!(s.redo().happened());
                prop_assert_eq!(s.state(), expected);
            }
            prop_assert!(!s.redo().happened());
        }

        #[test]
        fn a_step_remembers_only_what_it_changed(cmds in prop::collection::vec(command(), 0..40)) {
            let mut s = Store::default();
            for i in 0..30 {
                s.apply(Command::Add(ann(&format!("base{i:02}"), i, i + 1, &[]))).unwrap();
            }
            let base = s.history_size();
            prop_assert_eq!(base, 30);
            for c in cmds {
                let before = s.history_size();
                let touched = match &c {
                    Command::Add(_) | Command::Edit { .. } => 2,
                    // The annotation and its relations (the strategy's two).
                    Command::Delete { .. } => 2 * 3,
                    // Tag commands touch the annotations with the tag (at
                    // most the four ids and two relations the strategy
                    // uses, plus "seed").
                    _ => 2 * 7,
                };
                if s.apply(c).is_ok() {
                    prop_assert!(s.history_size() <= before + touched);
                }
            }
        }

        #[test]
        fn undo_leaves_another_tabs_changes_alone(cmds in prop::collection::vec(command(), 1..20)) {
            let mut s = Store::default();
            for c in cmds {
                let _ = s.apply(c);
            }
            // Another tab adds an annotation and edits one of ours.
            let mut outside = s.state().clone();
            outside.set_slot("zz-theirs", Some((false, ann("zz-theirs", 60, 62, &[]))));
            let edited = outside.annotations.iter().find(|a| a.id != "zz-theirs").map(|a| a.id.clone());
            if let Some(id) = &edited {
                let mut a = outside.get(id).unwrap().clone();
                a.note = "theirs".into();
                outside.set_slot(id, Some((false, a)));
            }
            s.adopt(outside);
            while s.undo().happened() {}
            prop_assert!(s.state().get("zz-theirs").is_some());
            if let Some(id) = edited {
                prop_assert_eq!(&s.state().get(&id).unwrap().note, "theirs");
            }
            for a in s.state().all() {
                for t in &a.tags {
                    prop_assert!(s.state().tag(t).is_some());
                }
            }
        }
    }
}
