#ifndef TIDEMARK_REPORTERS_HTML_HTML_PAGE_H_
#define TIDEMARK_REPORTERS_HTML_HTML_PAGE_H_

namespace tidemark {

// peak.html's fixed parts, written for Tidemark: the page up to where the
// data element goes (CSS and the empty sections), and after it the script
// that draws everything from the data. Nothing from the profiled program is
// in these; the script puts names on the page with textContent only.
extern const char kHtmlPageHead[];
extern const char kHtmlPageTail[];

}  // namespace tidemark

#endif  // TIDEMARK_REPORTERS_HTML_HTML_PAGE_H_
