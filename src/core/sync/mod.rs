//! Syncing a library through CouchDB's replication protocol: revision
//! trees and the protocol's messages, as pure functions tested against
//! answers recorded from a CouchDB-compatible server.

pub mod mapping;
pub mod protocol;
pub mod replica;
pub mod replicate;
pub mod rev;
pub mod schema;
pub mod settings;
pub mod userdict;

#[cfg(test)]
pub(crate) mod test_support {
    use crate::core::annotation::{Annotation, Target, TextQuote};

    /// An annotation of 张三 (code points 0..2) with one tag.
    pub fn annotation(id: &str, modified: &str, tag: &str) -> Annotation {
        Annotation {
            id: id.into(),
            created: "2026-11-30T08:00:00.000Z".into(),
            modified: modified.into(),
            tags: vec![tag.into()],
            note: String::new(),
            target: Target::Passage {
                start: 0,
                end: 2,
                quote: TextQuote {
                    exact: "张三".into(),
                    prefix: String::new(),
                    suffix: String::new(),
                },
            },
        }
    }
}
