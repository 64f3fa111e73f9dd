//! The browser edge: everything that touches web APIs, kept thin.

pub mod clock;
pub mod dom;
pub mod files;
pub mod segmenter;
pub mod segmenter_worker;
pub mod selection;
pub mod storage;
pub mod timing;
