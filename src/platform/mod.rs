//! The browser edge: everything that touches web APIs, kept thin.

pub mod timing;
