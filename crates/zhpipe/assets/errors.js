// Registered first, so that an error anywhere in the page's script (even a syntax error in the
// main script) is recorded on the body element (data-errors), where the browser test reads it.
window.onerror=function(message){var b=document.body||document.documentElement;var e=b.getAttribute('data-errors');b.setAttribute('data-errors',(e?e+' | ':'')+String(message));};
