package daemon

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// pageLocales are the languages the pages are shown in, published as
// ui_locales_supported; the first is the one of last resort.
var pageLocales = []string{"en", "fr", "de"}

// maxLocaleTags bounds how many tags of a list are considered.
const maxLocaleTags = 16

// pageText is the language of a page and its strings.
type pageText struct {
	// Lang is the BCP 47 tag of the page's language, for <html lang>.
	Lang string
	// T holds the page's strings by key.
	T catalog
}

// english is the text of pages that only exist in English.
var english = pageText{Lang: "en", T: catalogs["en"]}

// pageLocale chooses the language of a page (OpenID Connect Core 1.0
// §3.1.2.1): the first tag of uiLocales, the request's ui_locales, whose
// language the pages are shown in; else the same from the browser's
// Accept-Language (RFC 9110 §12.5.4); else English.
func pageLocale(r *http.Request, uiLocales string) pageText {
	lang := matchLocale(parseLocaleList(uiLocales))
	if lang == "" {
		lang = matchLocale(parseAcceptLanguage(r.Header.Get("Accept-Language")))
	}
	if lang == "" {
		lang = pageLocales[0]
	}
	return pageText{Lang: lang, T: catalogs[lang]}
}

// uiLocalesOf returns the ui_locales of the authorization request a path
// made by requestPath repeats, or "".
func uiLocalesOf(path string) string {
	_, query, ok := strings.Cut(path, "?")
	if !ok {
		return ""
	}
	v, err := url.ParseQuery(query)
	if err != nil {
		return ""
	}
	return v.Get("ui_locales")
}

// matchLocale returns the first page language that one of tags, in
// order, names: exactly or as its primary language subtag, so fr-CA
// gives fr. It returns "" when none does.
func matchLocale(tags []string) string {
	for _, tag := range tags {
		base, _, _ := strings.Cut(tag, "-")
		if slices.Contains(pageLocales, base) {
			return base
		}
	}
	return ""
}

// parseLocaleList reads a list of BCP 47 language tags separated by
// spaces, as ui_locales is (Core §3.1.2.1), and returns the well-formed
// ones, in lower case and in order, at most maxLocaleTags. A malformed
// tag is skipped, not an error: the parameter only states a preference.
func parseLocaleList(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if len(out) == maxLocaleTags {
			break
		}
		if wellFormedTag(f) {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// wellFormedTag checks the shape of a language tag (RFC 5646 §2.1): a
// primary language subtag of 2 to 8 letters, then subtags of 1 to 8
// letters or digits, separated by hyphens. Private-use and grandfathered
// tags, which no page language matches, are refused.
func wellFormedTag(tag string) bool {
	if len(tag) > 64 {
		return false
	}
	for i, sub := range strings.Split(tag, "-") {
		if len(sub) < 1 || len(sub) > 8 || (i == 0 && len(sub) < 2) {
			return false
		}
		for _, c := range []byte(sub) {
			letter := 'a' <= c|0x20 && c|0x20 <= 'z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// weighted is a language range of Accept-Language with its quality.
type weighted struct {
	tag string
	q   float64
}

// parseAcceptLanguage reads an Accept-Language header (RFC 9110
// §12.5.4) and returns its language tags by decreasing quality, in their
// order for equal qualities, without those of quality 0, the wildcard
// and malformed members; at most maxLocaleTags are read.
func parseAcceptLanguage(h string) []string {
	var list []weighted
	for member := range strings.SplitSeq(h, ",") {
		if len(list) == maxLocaleTags {
			break
		}
		tag, params, _ := strings.Cut(member, ";")
		tag = strings.TrimSpace(tag)
		q, ok := quality(params)
		if !ok || q == 0 || !wellFormedTag(tag) {
			continue
		}
		list = append(list, weighted{strings.ToLower(tag), q})
	}
	slices.SortStableFunc(list, func(a, b weighted) int { return cmp.Compare(b.q, a.q) })
	out := make([]string, len(list))
	for i, w := range list {
		out[i] = w.tag
	}
	return out
}

// quality reads the weight of a member, "q=0.5" with optional spaces
// (RFC 9110 §12.4.2); none is 1.
func quality(params string) (float64, bool) {
	params = strings.TrimSpace(params)
	if params == "" {
		return 1, true
	}
	name, val, ok := strings.Cut(params, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
		return 0, false
	}
	val = strings.TrimSpace(val)
	if len(val) == 0 || len(val) > 5 || (val[0] != '0' && val[0] != '1') {
		return 0, false
	}
	q, err := strconv.ParseFloat(val, 64)
	if err != nil || q < 0 || q > 1 {
		return 0, false
	}
	return q, true
}
