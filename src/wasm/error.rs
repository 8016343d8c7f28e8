//! Errors as the JavaScript package throws them: instances of the package's `MvnError` class
//! (registered by `js/index.js` at start-up, so `instanceof MvnError` holds), with the stable
//! `code` of [`ErrorKind::code`] and the message `[op] ...`.

use crate::{Error, ErrorKind};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static ERROR_CLASS: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Registers the class every error is an instance of (`new MvnError(code, message)`).
#[wasm_bindgen(js_name = setErrorClass)]
pub fn set_error_class(class: js_sys::Function) {
    ERROR_CLASS.with(|c| *c.borrow_mut() = Some(class));
}

/// Every error code, in [`ErrorKind`]'s order, comma-separated (the `.d.ts` union is tested
/// equal to it).
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> String {
    ErrorKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")
}

/// `e` as an instance of the registered class (a plain `Error` named `MvnError` before the
/// class is registered).
pub(crate) fn js_error(e: Error) -> JsValue {
    let class = ERROR_CLASS.with(|c| c.borrow().clone());
    if let Some(class) = class {
        let args = js_sys::Array::of2(&e.code().into(), &e.message().into());
        if let Ok(err) = js_sys::Reflect::construct(&class, &args) {
            return err;
        }
    }
    let err = js_sys::Error::new(e.message());
    err.set_name("MvnError");
    let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

/// A `Result` whose error is already the JavaScript error.
pub(crate) type JsResult<T> = Result<T, JsValue>;

/// Converts a library result for JavaScript.
pub(crate) fn js<T>(r: crate::Result<T>) -> JsResult<T> {
    r.map_err(js_error)
}

/// An error of `kind` from `op`, as the JavaScript error.
pub(crate) fn fail<T>(kind: ErrorKind, op: &str, message: impl std::fmt::Display) -> JsResult<T> {
    Err(js_error(Error::new(kind, op, message)))
}
