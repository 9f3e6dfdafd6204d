package daemon

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestParseLocaleList(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", nil},
		{"one", "fr", []string{"fr"}},
		{"region", "fr-CA en", []string{"fr-ca", "en"}},
		{"extra spaces", "  de\t en  ", []string{"de", "en"}},
		{"script and region", "zh-Hant-TW", []string{"zh-hant-tw"}},
		{"malformed skipped", "f fr_CA 1a -x de- de--x toolongsubtag de", []string{"de"}},
		{"private use refused", "x-klingon i-enochian", nil},
		{"digits after the first subtag", "es-419", []string{"es-419"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseLocaleList(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("parseLocaleList(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		if got := parseLocaleList(strings.Repeat("en ", 100)); len(got) != maxLocaleTags {
			t.Errorf("100 tags: got %d, want %d", len(got), maxLocaleTags)
		}
	})
}

func TestParseAcceptLanguage(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", nil},
		{"ordered by quality", "en;q=0.5, de-DE, fr;q=0.8", []string{"de-de", "fr", "en"}},
		{"equal qualities keep their order", "fr;q=0.7,de;q=0.7", []string{"fr", "de"}},
		{"zero quality dropped", "de;q=0, en", []string{"en"}},
		{"wildcard dropped", "*, fr;q=0.1", []string{"fr"}},
		{"spaces around q", "fr ; q = 0.4, de", []string{"de", "fr"}},
		{"malformed quality dropped", "de;q=2, fr;q=abc, es;x=1, it;q=0.5555", nil},
		{"one point zero", "de;q=1.0", []string{"de"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseAcceptLanguage(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("parseAcceptLanguage(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMatchLocale(t *testing.T) {
	tests := []struct {
		name string
		tags []string
		want string
	}{
		{"none", nil, ""},
		{"exact", []string{"de"}, "de"},
		{"base language of a region", []string{"fr-ca"}, "fr"},
		{"first supported wins", []string{"ja", "de-at", "fr"}, "de"},
		{"unsupported", []string{"ja", "es"}, ""},
		{"prefix is not a language", []string{"frr"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchLocale(tt.tags); got != tt.want {
				t.Errorf("matchLocale(%q): got %q, want %q", tt.tags, got, tt.want)
			}
		})
	}
}

// checkTags checks what a locale parser returned from any input.
func checkTags(t *testing.T, in string, got []string) {
	if len(got) > maxLocaleTags {
		t.Fatalf("%q: got %d tags, want at most %d", in, len(got), maxLocaleTags)
	}
	for _, tag := range got {
		if !wellFormedTag(tag) || tag != strings.ToLower(tag) {
			t.Fatalf("%q: got tag %q, want a well-formed lower-case tag", in, tag)
		}
	}
}

func FuzzParseLocaleList(f *testing.F) {
	for _, s := range []string{"", "fr-CA en", "x-a i-b", "de--", "zh-Hant-TW es-419", strings.Repeat("en ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := parseLocaleList(s)
		checkTags(t, s, got)
		if lang := matchLocale(got); lang != "" && !slices.Contains(pageLocales, lang) {
			t.Fatalf("%q: matched %q, not a page language", s, lang)
		}
	})
}

func FuzzParseAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "en;q=0.5, de-DE, fr;q=0.8", "*;q=0", "de;q=1.000", ";;,,", "fr ; q = 0.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTags(t, s, parseAcceptLanguage(s))
	})
}

// templateKey finds the catalog keys the templates use.
var templateKey = regexp.MustCompile(`\.T\.(\w+)`)

// TestCatalogsComplete checks that every language has every string, with
// the same number of %s, and that every key the templates use exists.
func TestCatalogsComplete(t *testing.T) {
	en := catalogs["en"]
	for _, lang := range pageLocales {
		t.Run(lang, func(t *testing.T) {
			c, ok := catalogs[lang]
			if !ok {
				t.Fatalf("no catalog for %s", lang)
			}
			for key, text := range en {
				got, ok := c[key]
				if !ok || got == "" {
					t.Errorf("%s: no string %q", lang, key)
				}
				if strings.Count(got, "%s") != strings.Count(text, "%s") || strings.Count(got, "%") != strings.Count(text, "%") {
					t.Errorf("%s %q: got %q, want the verbs of %q", lang, key, got, text)
				}
			}
			for key := range c {
				if _, ok := en[key]; !ok {
					t.Errorf("%s: string %q unknown in English", lang, key)
				}
			}
		})
	}
	t.Run("templates", func(t *testing.T) {
		files, _ := fs.Glob(templateFS, "templates/*.html")
		for _, name := range files {
			b, _ := fs.ReadFile(templateFS, name)
			for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
				if _, ok := en[m[1]]; !ok {
					t.Errorf("%s uses %q, which no catalog has", name, m[1])
				}
			}
		}
	})
}

var htmlLang = regexp.MustCompile(`<html lang="([^"]*)">`)

// getWith gets path with c and an Accept-Language header, following no
// redirect.
func (h *harness) getWith(c *http.Client, path, acceptLanguage string) response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.url(path), nil)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	return do(h.t, c, req)
}

func wantPage(t *testing.T, what string, r response, lang string, texts ...string) {
	t.Helper()
	if m := htmlLang.FindStringSubmatch(r.body); m == nil || m[1] != lang {
		t.Errorf("%s: got <html lang> %v, want %q", what, m, lang)
	}
	for _, s := range texts {
		if !strings.Contains(r.body, s) {
			t.Errorf("%s: page does not say %q:\n%s", what, s, r.body)
		}
	}
}

// TestPageLanguage checks that the sign-in, consent and sign-out pages
// are shown in the language of ui_locales, carried from the
// authorization request through sign-in to consent, else of
// Accept-Language, else in English (OpenID Connect Core 1.0 §3.1.2.1).
func TestPageLanguage(t *testing.T) {
	tests := []struct {
		name, uiLocales, acceptLanguage string
		lang                            string
		login, consent, signOut         string
	}{
		{"ui_locales fr-CA", "fr-CA", "", "fr", "Se connecter", "Autoriser l’accès", "Se déconnecter"},
		{"ui_locales before Accept-Language", "ja fr", "de-DE,de;q=0.9", "fr", "Mot de passe", "Voir votre profil de base", "Se déconnecter"},
		{"Accept-Language de", "", "en;q=0.5, de-DE", "de", "Anmelden", "Zugriff erlauben", "Abmelden"},
		{"unknown falls back to English", "ja", "es, it;q=0.5", "en", "Sign in", "Allow access?", "Sign out"},
		{"nothing asked", "", "", "en", "Password", "See your basic profile", "Sign out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c := h.browser()
			path := authorizePath()
			if tt.uiLocales != "" {
				path = authorizePath("ui_locales", tt.uiLocales)
			}
			toLogin := h.getWith(c, path, tt.acceptLanguage)
			login := h.getWith(c, toLogin.header.Get("Location"), tt.acceptLanguage)
			wantPage(t, "sign-in page", login, tt.lang, tt.login)
			ret := toLogin.location(t).Query().Get("return")
			req, _ := http.NewRequest(http.MethodPost, h.url("/login"), strings.NewReader(url.Values{
				"csrf": {csrfOf(t, login.body)}, "username": {testUser}, "password": {testPassword}, "return": {ret}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.acceptLanguage != "" {
				req.Header.Set("Accept-Language", tt.acceptLanguage)
			}
			signedIn := do(t, c, req)
			consent := h.getWith(c, signedIn.header.Get("Location"), tt.acceptLanguage)
			wantPage(t, "consent page", consent, tt.lang, tt.consent)
			q := url.Values{}
			if tt.uiLocales != "" {
				q.Set("ui_locales", tt.uiLocales)
			}
			confirm := h.getWith(c, "/logout?"+q.Encode(), tt.acceptLanguage)
			wantPage(t, "sign-out page", confirm, tt.lang, tt.signOut)
		})
	}
}

// TestLoginErrorLanguage checks that the sign-in page's errors are in its
// language.
func TestLoginErrorLanguage(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	ret := authorizePath("ui_locales", "de")
	login := h.get(c, "/login?"+url.Values{"return": {ret}}.Encode())
	r := h.post(c, "/login", url.Values{"csrf": {csrfOf(t, login.body)}, "username": {testUser}, "password": {"wrong"}, "return": {ret}})
	if r.status != http.StatusBadRequest {
		t.Errorf("wrong password: status %d, want 400", r.status)
	}
	wantPage(t, "sign-in page after a wrong password", r, "de", "Falscher Benutzername oder falsches Passwort.")
}

// TestDiscoveryUILocales checks that the discovery document lists the
// page languages.
func TestDiscoveryUILocales(t *testing.T) {
	h := newHarness(t)
	r := h.get(http.DefaultClient, "/.well-known/openid-configuration")
	var doc struct {
		UILocales []string `json:"ui_locales_supported"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatal(err)
	}
	slices.Sort(doc.UILocales)
	if want := []string{"de", "en", "fr"}; !slices.Equal(doc.UILocales, want) {
		t.Errorf("ui_locales_supported: got %q, want %q", doc.UILocales, want)
	}
}
