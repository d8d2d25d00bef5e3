//! The browser test of report.html.
