//! The documents a project's database holds (the README's schema, which
//! other tools read): `document:<sha256>`, `annotation:<uuid>`,
//! `relation:<uuid>`, `tag:<name>` and `userdict:<entry>`. An annotation's
//! body is the project JSON's annotation object plus `document` (the
//! text's sha256) and `creator` (the annotator's name).

use serde_json::{json, Map, Value};

use super::rev::Rev;
use crate::core::annotation::{Annotation, Tag};
use crate::core::document::Document;
use crate::core::exchange::{check_annotation, check_tag};
use crate::core::timestamp;

/// What a database document is, from its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind<'a> {
    Document(&'a str),
    Annotation(&'a str),
    Relation(&'a str),
    Tag(&'a str),
    UserDict(&'a str),
}

/// The kind of document `id` names; `None` for ids this app does not use
/// (another tool's documents are left alone, never deleted).
pub fn kind(id: &str) -> Option<Kind<'_>> {
    let (prefix, rest) = id.split_once(':')?;
    if rest.is_empty() {
        return None;
    }
    Some(match prefix {
        "document" => Kind::Document(rest),
        "annotation" => Kind::Annotation(rest),
        "relation" => Kind::Relation(rest),
        "tag" => Kind::Tag(rest),
        "userdict" => Kind::UserDict(rest),
        _ => return None,
    })
}

/// An annotation (or a relation) of document `document` by `creator`, as
/// a database document: its id and body.
pub fn annotation_doc(
    a: &Annotation,
    document: &str,
    creator: &str,
) -> (String, Map<String, Value>) {
    let prefix = if a.target.ends().is_some() {
        "relation"
    } else {
        "annotation"
    };
    let mut body = match serde_json::to_value(a) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    body.insert("document".into(), json!(document));
    body.insert("creator".into(), json!(creator));
    (format!("{prefix}:{}", a.id), body)
}

/// An annotation read from the database, checked as an import is (its
/// positions against the text's `length`, when the text is here), with
/// its document and creator.
pub fn annotation_from_doc(
    id: &str,
    body: &Map<String, Value>,
    length: usize,
) -> Result<(Annotation, String, String), String> {
    let a = check_annotation(&Value::Object(body.clone()), length)?;
    let expected = match kind(id) {
        Some(Kind::Annotation(u)) if a.target.ends().is_none() => u,
        Some(Kind::Relation(u)) if a.target.ends().is_some() => u,
        _ => return Err(format!("{id}：编号与内容不符")),
    };
    if expected != a.id {
        return Err(format!("{id}：编号与内容中的 id {} 不符", a.id));
    }
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let document = field("document").ok_or_else(|| format!("{id}：缺少 document"))?;
    Ok((a, document, field("creator").unwrap_or_default()))
}

/// A library document as a database document's body: `title`, `text`
/// (what other tools read), `added`, `by`, and the app's `outline` of
/// headings when it has one.
pub fn document_doc(document: &Document, title: &str, added: &str, by: &str) -> Map<String, Value> {
    let mut body = match serde_json::to_value(document) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    body.retain(|_, v| !v.is_null());
    body.insert("title".into(), json!(title));
    body.insert("added".into(), json!(added));
    body.insert("by".into(), json!(by));
    body
}

/// A document read from the database, checked: its text must hash to the
/// `sha` its id names. Returns it with its title.
pub fn document_from_doc(
    sha: &str,
    body: &Map<String, Value>,
) -> Result<(Document, String), String> {
    let fields = ["text", "outline"]
        .iter()
        .filter_map(|k| Some((k.to_string(), body.get(*k)?.clone())))
        .collect::<Map<String, Value>>();
    let document: Document = serde_json::from_value(Value::Object(fields))
        .map_err(|e| format!("document:{sha}：{e}"))?;
    document
        .check()
        .map_err(|e| format!("document:{sha}：{e}"))?;
    if document.article().sha256() != sha {
        return Err(format!("document:{sha}：正文与编号中的 SHA-256 不符"));
    }
    let title = body
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    Ok((document, title))
}

/// A tag as a database document.
pub fn tag_doc(t: &Tag) -> (String, Map<String, Value>) {
    let mut body = Map::new();
    body.insert("name".into(), json!(t.name));
    body.insert("color".into(), json!(t.color));
    (format!("tag:{}", t.name), body)
}

pub fn tag_from_doc(body: &Map<String, Value>) -> Result<Tag, String> {
    check_tag(&Value::Object(body.clone()))
}

/// Among a document's leaf versions that are not deletions, the one the
/// app shows, the same on every replica: the newest `modified` (compared
/// as instants), ties broken by CouchDB's revision order. The others stay
/// in the annotation's history.
pub fn resolve(leaves: &[(Rev, &Map<String, Value>)]) -> Option<usize> {
    let modified = |b: &Map<String, Value>| {
        b.get("modified")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (0..leaves.len()).max_by(|&i, &j| {
        let (ri, bi) = &leaves[i];
        let (rj, bj) = &leaves[j];
        let (mi, mj) = (modified(bi), modified(bj));
        let newer = if timestamp::is_later(&mi, &mj) {
            std::cmp::Ordering::Greater
        } else if timestamp::is_later(&mj, &mi) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Equal
        };
        newer.then_with(|| (ri.pos, &ri.hash).cmp(&(rj.pos, &rj.hash)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sync::test_support;

    fn annotation(id: &str, modified: &str) -> Annotation {
        test_support::annotation(id, modified, "人物")
    }

    const ID: &str = "11111111-1111-4111-8111-111111111111";

    #[test]
    fn ids_name_their_kind() {
        assert_eq!(kind("annotation:x"), Some(Kind::Annotation("x")));
        assert_eq!(kind("tag:人物"), Some(Kind::Tag("人物")));
        assert_eq!(kind("document:ab"), Some(Kind::Document("ab")));
        assert_eq!(kind("_design/x"), None);
        assert_eq!(kind("tag:"), None);
        assert_eq!(kind("other:1"), None);
    }

    #[test]
    fn annotations_round_trip_with_document_and_creator() {
        let a = annotation(ID, "2026-11-30T08:00:00.000Z");
        let (id, body) = annotation_doc(&a, "sha", "王五");
        assert_eq!(id, format!("annotation:{ID}"));
        assert_eq!(body["creator"], json!("王五"));
        let (back, doc, creator) = annotation_from_doc(&id, &body, 10).unwrap();
        assert_eq!(
            (back, doc.as_str(), creator.as_str()),
            (a.clone(), "sha", "王五")
        );
        // Checked like an import: a position past the text, a wrong id.
        assert!(annotation_from_doc(&id, &body, 1).is_err());
        assert!(annotation_from_doc("annotation:other", &body, 10).is_err());
        assert!(annotation_from_doc(&format!("relation:{ID}"), &body, 10).is_err());
        let tag = Tag {
            name: "人物".into(),
            color: "#e8590c".into(),
        };
        let (tid, tbody) = tag_doc(&tag);
        assert_eq!(tid, "tag:人物");
        assert_eq!(tag_from_doc(&tbody).unwrap(), tag);
    }

    #[test]
    fn documents_round_trip_and_are_checked_against_their_id() {
        let d = Document::plain("标题\n\n正文。");
        let sha = d.article().sha256();
        let body = document_doc(&d, "标题", "2026-11-30T08:00:00.000Z", "王五");
        assert_eq!(body["text"], json!(d.text));
        assert_eq!(body["by"], json!("王五"));
        let (back, title) = document_from_doc(&sha, &body).unwrap();
        assert_eq!((back, title.as_str()), (d, "标题"));
        assert!(document_from_doc(&"0".repeat(64), &body).is_err());
        assert!(document_from_doc(&sha, &Map::new()).is_err());
    }

    #[test]
    fn the_newer_edit_wins_a_conflict_on_every_replica() {
        // The recorded conflict: CouchDB's winner is 2-cccc; here 2-bbbb
        // was edited later, so it is what the app shows.
        let older = annotation_doc(&annotation(ID, "2026-11-30T08:00:00.000Z"), "sha", "甲").1;
        let newer = annotation_doc(&annotation(ID, "2026-11-30T10:00:00+02:00"), "sha", "乙").1;
        let later = annotation_doc(&annotation(ID, "2026-11-30T09:00:00.000Z"), "sha", "乙").1;
        let leaves = [
            ("2-cccc".parse().unwrap(), &older),
            ("2-bbbb".parse().unwrap(), &later),
        ];
        assert_eq!(resolve(&leaves), Some(1));
        // 10:00+02:00 is 08:00Z: a tie, broken by the revision.
        let tie = [
            ("2-bbbb".parse().unwrap(), &newer),
            ("2-cccc".parse().unwrap(), &older),
        ];
        assert_eq!(resolve(&tie), Some(1));
        let reversed = [
            ("2-cccc".parse().unwrap(), &older),
            ("2-bbbb".parse().unwrap(), &newer),
        ];
        assert_eq!(resolve(&reversed), Some(0));
        assert_eq!(resolve(&[]), None);
    }
}
