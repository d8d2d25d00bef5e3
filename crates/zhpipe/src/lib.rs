//! The zhpipe driver.

use zhpipe_core::Registry;

/// Every stage this build of zhpipe knows. A new stage crate adds one line here.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    zhpipe_decode::register(&mut registry);
    zhpipe_clean::register(&mut registry);
    zhpipe_convert::register(&mut registry);
    zhpipe_segment::register(&mut registry);
    zhpipe_gazetteer::register(&mut registry);
    zhpipe_classify::register(&mut registry);
    registry
}
