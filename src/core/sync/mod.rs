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
