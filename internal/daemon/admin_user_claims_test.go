package daemon

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// seedTime is when the claims of seeded users last changed.
var seedTime = time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC)

// seedClaims are the claims of the user bob that seedUser stores.
func seedClaims() storage.Claims {
	return storage.Claims{
		Name: "Bob", Email: "bob@example.org", EmailVerified: true, Locale: "en-GB",
		Address: storage.Address{Locality: "Paris"}, UpdatedAt: seedTime,
	}
}

// seedUser stores bob with seedClaims, updated long ago, and returns an
// admin over the store.
func seedUser(t *testing.T) *admin {
	t.Helper()
	a := newAdmin(t)
	u := &storage.User{ID: "bob-id", Username: "bob", PasswordHash: secret.HashSecret("pw"), CreatedAt: seedTime, Claims: seedClaims()}
	if err := a.store.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser: got error %v, want nil", err)
	}
	return a
}

func storedClaims(t *testing.T, a *admin, name string) storage.Claims {
	t.Helper()
	u, err := a.store.UserByName(t.Context(), name)
	if err != nil {
		t.Fatalf("UserByName(%q): got error %v, want nil", name, err)
	}
	return u.Claims
}

func TestUserUpdate(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		change  func(c *storage.Claims) // nil: nothing changes
		wantOut string
	}{
		{"one flag keeps the others", []string{"--nickname", "bobby"}, func(c *storage.Claims) { c.Nickname = "bobby" }, "claims of bob updated\n"},
		{"empty value clears", []string{"--locale", ""}, func(c *storage.Claims) { c.Locale = "" }, "claims of bob updated\n"},
		{"address cleared", []string{"--address-locality="}, func(c *storage.Claims) { c.Address = storage.Address{} }, "claims of bob updated\n"},
		{"new email is unverified", []string{"--email", "new@example.org"}, func(c *storage.Claims) { c.Email, c.EmailVerified = "new@example.org", false }, "claims of bob updated\n"},
		{"verified false", []string{"--email-verified=false"}, func(c *storage.Claims) { c.EmailVerified = false }, "claims of bob updated\n"},
		{"several flags", []string{"--name", "Robert", "--phone-number", "+33123456789", "--phone-number-verified"}, func(c *storage.Claims) {
			c.Name, c.PhoneNumber, c.PhoneNumberVerified = "Robert", "+33123456789", true
		}, "claims of bob updated\n"},
		{"same values", []string{"--name", "Bob", "--email", "bob@example.org"}, nil, "claims of bob unchanged\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := seedUser(t)
			before := time.Now().Truncate(time.Second)
			out := a.mustRun("", append([]string{"user", "update", "bob"}, tt.args...)...)
			if out != tt.wantOut {
				t.Errorf("stdout: got %q, want %q", out, tt.wantOut)
			}
			got, want := storedClaims(t, a, "bob"), seedClaims()
			if tt.change != nil {
				tt.change(&want)
				if got.UpdatedAt.Before(before) {
					t.Errorf("UpdatedAt: got %v, want the time of the update, from %v", got.UpdatedAt, before)
				}
				want.UpdatedAt = got.UpdatedAt
			}
			if got != want {
				t.Errorf("stored claims:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestUserUpdateRefusals(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no claim flag", nil, 2, "grantry user update: no claim flag given"},
		{"only a store flag", []string{"--db", "memory:"}, 2, "no claim flag given"},
		{"display name in email", []string{"--email", `"Bob" <bob@example.org>`}, 2, "for flag -email: want a bare e-mail address"},
		{"local zone", []string{"--zoneinfo", "Local"}, 2, "for flag -zoneinfo: want a time zone of the IANA database"},
		{"hyphenated phone", []string{"--phone-number", "+33-1-23-45-67-89"}, 2, "for flag -phone-number"},
		{"year only zero", []string{"--birthdate", "0000"}, 2, "for flag -birthdate"},
		{"data URL picture", []string{"--picture", "data:image/png;base64,AAAA"}, 2, "for flag -picture: want an absolute https URL"},
		{"cleared email said verified", []string{"--email", "", "--email-verified"}, 2, "grantry user update: --email-verified: the user has no e-mail address"},
		{"phone verified without phone", []string{"--phone-number-verified"}, 2, "--phone-number-verified: the user has no telephone number"},
		{"two users", []string{"alice", "--name", "X"}, 2, "want 1 argument(s), got 2"},
		{"bool value after a space", []string{"--email-verified", "false"}, 2, "want 1 argument(s), got 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := seedUser(t)
			code, _, errOut := a.run("", append([]string{"user", "update", "bob"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.want) {
				t.Errorf("got exit %d, stderr %q; want %d and %q", code, errOut, tt.wantCode, tt.want)
			}
			if got := storedClaims(t, a, "bob"); got != seedClaims() {
				t.Errorf("stored claims after a refusal:\ngot  %+v\nwant %+v", got, seedClaims())
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		a := seedUser(t)
		code, _, errOut := a.run("", "user", "update", "nobody", "--name", "X")
		if code != 1 || !strings.Contains(errOut, `no user "nobody"`) {
			t.Errorf("got exit %d, stderr %q; want 1 and %q", code, errOut, `no user "nobody"`)
		}
	})
}

func TestUserShow(t *testing.T) {
	a := seedUser(t)
	a.mustRun("long-enough-pw\n", "user", "create", "carol")
	tests := []struct {
		user, want string
	}{
		{"bob", `{
  "name": "Bob",
  "email": "bob@example.org",
  "email_verified": true,
  "locale": "en-GB",
  "address": {
    "locality": "Paris"
  },
  "updated_at": 1577836800
}
`},
		{"carol", "{}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			if got := a.mustRun("", "user", "show", tt.user); got != tt.want {
				t.Errorf("user show %s: got\n%s\nwant\n%s", tt.user, got, tt.want)
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		code, _, errOut := a.run("", "user", "show", "nobody")
		if code != 1 || !strings.Contains(errOut, `no user "nobody"`) {
			t.Errorf("got exit %d, stderr %q; want 1 and %q", code, errOut, `no user "nobody"`)
		}
	})
}

func TestUserListClaims(t *testing.T) {
	a := seedUser(t)
	a.mustRun("long-enough-pw\n", "user", "create", "carol")
	lines := strings.Split(strings.TrimSpace(a.mustRun("", "user", "list")), "\n")
	want := [][]string{
		{"USERNAME", "NAME", "EMAIL", "ID", "CREATED"},
		{"bob", "Bob", "bob@example.org", "bob-id", "2020-01-01T00:00:00Z"},
		{"carol", "-", "-"},
	}
	if len(lines) != len(want) {
		t.Fatalf("user list: got %d lines %q, want %d", len(lines), lines, len(want))
	}
	for i, w := range want {
		got := strings.Fields(lines[i])
		if len(got) != 5 || strings.Join(got[:len(w)], " ") != strings.Join(w, " ") {
			t.Errorf("user list line %d: got %q, want 5 columns beginning %q", i, got, w)
		}
	}
	var list []userJSON
	if err := json.Unmarshal([]byte(a.mustRun("", "user", "list", "--json")), &list); err != nil {
		t.Fatalf("user list --json: got error %v, want a JSON list", err)
	}
	if len(list) != 2 || list[0].Claims != seedClaims() || list[1].Claims != (storage.Claims{}) {
		t.Errorf("user list --json: got %+v, want bob with his claims and carol without", list)
	}
}
