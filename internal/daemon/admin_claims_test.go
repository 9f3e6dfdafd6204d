package daemon

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/grantry/grantry/storage"
)

// claimFlagNamed returns the claim flag of that name.
func claimFlagNamed(t *testing.T, name string) *claimFlag {
	t.Helper()
	for i := range claimFlags {
		if claimFlags[i].name == name {
			return &claimFlags[i]
		}
	}
	t.Fatalf("no claim flag %q", name)
	return nil
}

func TestClaimFlagValidate(t *testing.T) {
	tests := []struct {
		flag, value string
		wantErr     string // "" when the value is taken
	}{
		{"email", "alice@example.org", ""},
		{"email", "a.b+tag@sub.example.org", ""},
		{"email", "", ""},
		{"email", "Alice <alice@example.org>", "bare e-mail address"},
		{"email", "<alice@example.org>", "bare e-mail address"},
		{"email", "alice@example.org (work)", "bare e-mail address"},
		{"email", "alice", "bare e-mail address"},
		{"email", "alice@", "bare e-mail address"},
		{"email", "a@b.example, c@d.example", "bare e-mail address"},
		{"email", " alice@example.org", "bare e-mail address"},
		{"profile", "https://example.org/alice", ""},
		{"picture", "https://example.org/a.png#frag", ""},
		{"website", "http://127.0.0.1:8080/", ""},
		{"website", "http://localhost/", ""},
		{"website", "http://example.org/", "http only on a loopback host"},
		{"website", "ftp://example.org/", "https URL"},
		{"website", "javascript:alert(1)", "absolute https URL"},
		{"website", "example.org/alice", "absolute https URL"},
		{"website", "/alice", "absolute https URL"},
		{"website", "https:///alice", "absolute https URL"},
		{"website", "https://user:pw@example.org/", "user information"},
		{"website", "https://example.org/%zz", "absolute https URL"},
		{"birthdate", "1987-06-05", ""},
		{"birthdate", "1987", ""},
		{"birthdate", "0000-06-05", ""},
		{"birthdate", "0000-02-29", ""},
		{"birthdate", "2000-02-29", ""},
		{"birthdate", "2001-02-29", "YYYY-MM-DD"},
		{"birthdate", "1987-13-01", "YYYY-MM-DD"},
		{"birthdate", "1987-6-5", "YYYY-MM-DD"},
		{"birthdate", "0000", "YYYY-MM-DD"},
		{"birthdate", "87", "YYYY-MM-DD"},
		{"birthdate", "1987-06", "YYYY-MM-DD"},
		{"birthdate", "05/06/1987", "YYYY-MM-DD"},
		{"birthdate", "1987-06-05T00:00:00Z", "YYYY-MM-DD"},
		{"zoneinfo", "Europe/Paris", ""},
		{"zoneinfo", "America/Argentina/Buenos_Aires", ""},
		{"zoneinfo", "UTC", ""},
		{"zoneinfo", "Local", "IANA database"},
		{"zoneinfo", "Europe/Atlantis", "IANA database"},
		{"zoneinfo", "../../etc/passwd", "IANA database"},
		{"zoneinfo", "/etc/localtime", "IANA database"},
		{"phone-number", "+33123456789", ""},
		{"phone-number", "+123456789012345", ""},
		{"phone-number", "+1234567890123456", "4 to 15 digits"},
		{"phone-number", "+33 1 23 45 67 89", "without spaces or hyphens"},
		{"phone-number", "+33-1-23-45-67-89", "without spaces or hyphens"},
		{"phone-number", "0123456789", "4 to 15 digits"},
		{"phone-number", "+0123456", "4 to 15 digits"},
		{"phone-number", "+123", "4 to 15 digits"},
		{"phone-number", "+1 (555) 123-4567", "4 to 15 digits"},
		{"phone-number", "+15551234567;ext=5678", "4 to 15 digits"},
		{"locale", "en", ""},
		{"locale", "en-US", ""},
		{"locale", "zh-Hant-TW", ""},
		{"locale", "es-419", ""},
		{"locale", "en_US", "not en_US"},
		{"locale", "e", "BCP 47 language tag"},
		{"locale", "1en", "BCP 47 language tag"},
		{"locale", "en-", "BCP 47 language tag"},
		{"locale", "en--US", "BCP 47 language tag"},
		{"locale", "en-toolongsubtag", "BCP 47 language tag"},
		{"locale", "en US", "BCP 47 language tag"},
		{"email-verified", "true", ""},
		{"email-verified", "0", ""},
		{"email-verified", "F", ""},
		{"email-verified", "yes", "true or false"},
		{"phone-number-verified", "maybe", "true or false"},
		{"name", "Zoë O'Brien-Smith", ""},
		{"name", "Zoë\nSmith", "control character U+000A"},
		{"name", "tab\there", "control character U+0009"},
		{"name", "bell\a", "control character U+0007"},
		{"name", "\xff\xfe", "UTF-8"},
		{"name", strings.Repeat("x", maxClaimLen), ""},
		{"name", strings.Repeat("x", maxClaimLen+1), "at most 1000 bytes"},
		{"nickname", "del\x7f", "control character U+007F"},
		{"address-formatted", "1 rue de la Paix\n75002 Paris", ""},
		{"address-street", "Flat 2\n1 High St", ""},
		{"address-formatted", "carriage\rreturn", "control character U+000D"},
		{"address-locality", "Paris\nFrance", "control character U+000A"},
		{"gender", "non-binary", ""},
	}
	for _, tt := range tests {
		t.Run(tt.flag+"="+tt.value, func(t *testing.T) {
			err := claimFlagNamed(t, tt.flag).validate(tt.value)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("validate(%q): got error %v, want nil", tt.value, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("validate(%q): got error %v, want one saying %q", tt.value, err, tt.wantErr)
			}
		})
	}
}

func TestClaimEditsApply(t *testing.T) {
	verified := storage.Claims{Email: "old@example.org", EmailVerified: true, PhoneNumber: "+15550001", PhoneNumberVerified: true}
	tests := []struct {
		name    string
		from    storage.Claims
		edits   [][2]string
		want    storage.Claims
		wantErr string
	}{
		{"later flag wins", storage.Claims{}, [][2]string{{"name", "A"}, {"name", "B"}}, storage.Claims{Name: "B"}, ""},
		{"empty clears", storage.Claims{Name: "A", Nickname: "n"}, [][2]string{{"name", ""}}, storage.Claims{Nickname: "n"}, ""},
		{"bool alone is true", storage.Claims{Email: "a@b.example"}, [][2]string{{"email-verified", "true"}}, storage.Claims{Email: "a@b.example", EmailVerified: true}, ""},
		{"bool false", verified, [][2]string{{"email-verified", "false"}}, storage.Claims{Email: "old@example.org", PhoneNumber: "+15550001", PhoneNumberVerified: true}, ""},
		{"bool cleared", verified, [][2]string{{"phone-number-verified", ""}}, storage.Claims{Email: "old@example.org", EmailVerified: true, PhoneNumber: "+15550001"}, ""},
		{"new email is unverified", verified, [][2]string{{"email", "new@example.org"}}, storage.Claims{Email: "new@example.org", PhoneNumber: "+15550001", PhoneNumberVerified: true}, ""},
		{"new email said verified", verified, [][2]string{{"email-verified", "true"}, {"email", "new@example.org"}}, storage.Claims{Email: "new@example.org", EmailVerified: true, PhoneNumber: "+15550001", PhoneNumberVerified: true}, ""},
		{"same email stays verified", verified, [][2]string{{"email", "old@example.org"}}, verified, ""},
		{"new phone is unverified", verified, [][2]string{{"phone-number", "+15550002"}}, storage.Claims{Email: "old@example.org", EmailVerified: true, PhoneNumber: "+15550002"}, ""},
		{"cleared phone", verified, [][2]string{{"phone-number", ""}}, storage.Claims{Email: "old@example.org", EmailVerified: true}, ""},
		{"verified without email", storage.Claims{}, [][2]string{{"email-verified", "true"}}, storage.Claims{}, "no e-mail address"},
		{"verified without phone", storage.Claims{}, [][2]string{{"phone-number-verified", "1"}}, storage.Claims{}, "no telephone number"},
		{"address members", storage.Claims{}, [][2]string{{"address-locality", "Paris"}, {"address-country", "France"}}, storage.Claims{Address: storage.Address{Locality: "Paris", Country: "France"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e claimEdits
			for _, kv := range tt.edits {
				e = append(e, claimEdit{claimFlagNamed(t, kv[0]), kv[1]})
			}
			got, err := e.apply(tt.from)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("apply: got error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("apply: got (%+v, %v), want (%+v, nil)", got, err, tt.want)
			}
		})
	}
}

// TestClaimFlagsCommandLineOnly: a claim in the environment or the config
// file would be given to every user created; it is ignored.
func TestClaimFlagsCommandLineOnly(t *testing.T) {
	a := newAdmin(t)
	file := filepath.Join(t.TempDir(), "grantry.json")
	if err := os.WriteFile(file, []byte(`{"name": "From the file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{"GRANTRY_EMAIL": "env@example.org", "GRANTRY_LOCALE": "en_US", "GRANTRY_CONFIG": file})
	var out, errOut strings.Builder
	code := Main(t.Context(), []string{"user", "create", "bob"}, strings.NewReader("long-enough-pw\n"), &out, &errOut, env)
	if code != 0 {
		t.Fatalf("user create: got exit %d (%q), want 0", code, errOut.String())
	}
	u, err := a.store.UserByName(t.Context(), "bob")
	if err != nil || u.Claims != (storage.Claims{}) {
		t.Errorf("stored user: got (%+v, %v), want one without claims", u, err)
	}
}

func TestUserCreateClaims(t *testing.T) {
	a := newAdmin(t)
	a.mustRun("long-enough-pw\n", "user", "create", "zoe",
		"--name", "Zoë O'Brien", "--given-name", "Zoë", "--family-name", "O'Brien", "--middle-name", "Anne",
		"--nickname", "zo", "--preferred-username", "zoe.ob", "--profile", "https://example.org/zoe",
		"--picture", "https://example.org/zoe.png", "--website", "http://127.0.0.1/zoe", "--email", "zoe@example.org",
		"--email-verified", "--gender", "female", "--birthdate", "0000-02-29", "--zoneinfo", "Pacific/Auckland",
		"--locale", "mi-NZ", "--phone-number", "+6421000111", "--phone-number-verified=true",
		"--address-formatted", "1 Queen St\nAuckland", "--address-street", "1 Queen St", "--address-locality", "Auckland",
		"--address-region", "Auckland", "--address-postal-code", "1010", "--address-country", "New Zealand")
	u, err := a.store.UserByName(t.Context(), "zoe")
	if err != nil {
		t.Fatalf("UserByName(zoe): got error %v, want nil", err)
	}
	want := storage.Claims{
		Name: "Zoë O'Brien", GivenName: "Zoë", FamilyName: "O'Brien", MiddleName: "Anne", Nickname: "zo",
		PreferredUsername: "zoe.ob", Profile: "https://example.org/zoe", Picture: "https://example.org/zoe.png",
		Website: "http://127.0.0.1/zoe", Email: "zoe@example.org", EmailVerified: true, Gender: "female",
		Birthdate: "0000-02-29", Zoneinfo: "Pacific/Auckland", Locale: "mi-NZ", PhoneNumber: "+6421000111",
		PhoneNumberVerified: true,
		Address: storage.Address{Formatted: "1 Queen St\nAuckland", StreetAddress: "1 Queen St", Locality: "Auckland",
			Region: "Auckland", PostalCode: "1010", Country: "New Zealand"},
		UpdatedAt: u.CreatedAt.Truncate(time.Second),
	}
	if u.Claims != want {
		t.Errorf("stored claims:\ngot  %+v\nwant %+v", u.Claims, want)
	}
	if u.Claims.UpdatedAt.IsZero() {
		t.Error("stored claims: got no UpdatedAt, want the creation time")
	}
}

func TestUserCreateWithoutClaims(t *testing.T) {
	a := newAdmin(t)
	a.mustRun("long-enough-pw\n", "user", "create", "bob", "--name", "")
	u, err := a.store.UserByName(t.Context(), "bob")
	if err != nil || u.Claims != (storage.Claims{}) {
		t.Errorf("stored user: got (%+v, %v), want one without claims, not even updated_at", u, err)
	}
}

func TestUserCreateClaimRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"display name in email", []string{"--email", "Bob <bob@example.org>"}, `invalid value "Bob <bob@example.org>" for flag -email: want a bare e-mail address`},
		{"http website", []string{"--website", "http://example.org/"}, "for flag -website: want an https URL"},
		{"relative picture", []string{"--picture", "bob.png"}, "for flag -picture: want an absolute https URL"},
		{"impossible birthdate", []string{"--birthdate", "1990-02-30"}, "for flag -birthdate: want YYYY-MM-DD"},
		{"unknown zone", []string{"--zoneinfo", "Mars/Olympus_Mons"}, "for flag -zoneinfo: want a time zone"},
		{"phone with spaces", []string{"--phone-number", "+44 20 7946 0000"}, "for flag -phone-number: want + and 4 to 15 digits"},
		{"underscore locale", []string{"--locale", "en_GB"}, "for flag -locale: BCP 47 separates subtags with hyphens"},
		{"bad boolean", []string{"--email", "bob@example.org", "--email-verified=yes"}, `invalid boolean value "yes" for -email-verified: want true or false`},
		{"newline in name", []string{"--name", "Bob\nSmith"}, "for flag -name: control character U+000A"},
		{"verified without email", []string{"--email-verified"}, "grantry user create: --email-verified: the user has no e-mail address"},
		{"verified without phone", []string{"--phone-number-verified"}, "grantry user create: --phone-number-verified: the user has no telephone number"},
		{"good flags before a bad one", []string{"--name", "Bob", "--email", "bob@example.org", "--locale", "x"}, "for flag -locale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmin(t)
			code, _, errOut := a.run("long-enough-pw\n", append([]string{"user", "create", "bob"}, tt.args...)...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("got exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
			if list, _ := a.store.ListUsers(t.Context()); len(list) != 0 {
				t.Errorf("a refused user was stored: got %d users, want none", len(list))
			}
		})
	}
}

// FuzzClaimFlagValidate: no value makes a check panic, and what a flag
// takes is text of the form its check promises.
func FuzzClaimFlagValidate(f *testing.F) {
	for _, s := range []string{"", "alice@example.org", "https://example.org/", "0000-02-29", "Europe/Paris", "+33123456789", "en-US", "true", "a\nb", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for i := range claimFlags {
			fl := &claimFlags[i]
			if fl.validate(v) != nil || v == "" {
				continue
			}
			if fl.boolean {
				if _, err := strconv.ParseBool(v); err != nil {
					t.Errorf("-%s took %q, which is no boolean", fl.name, v)
				}
				continue
			}
			if !utf8.ValidString(v) || len(v) > maxClaimLen || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && !(fl.multiline && r == '\n') }) {
				t.Errorf("-%s took %q: want UTF-8 text of at most %d bytes without control characters", fl.name, v, maxClaimLen)
			}
			if fl.name == "phone-number" && strings.Trim(v[1:], "0123456789") != "" {
				t.Errorf("-phone-number took %q: want + and digits", v)
			}
		}
	})
}
