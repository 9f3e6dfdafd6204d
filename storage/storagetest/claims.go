package storagetest

import (
	"errors"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

// newClaims returns claims with every member set, distinct for each name,
// updated at a whole second.
func newClaims(name string) storage.Claims {
	return storage.Claims{
		Name: "Zoë " + name + ` "Z" O'Brien`, GivenName: "Zoë", FamilyName: "O'Brien " + name,
		MiddleName: "Anne", Nickname: "zo-" + name, PreferredUsername: "pref-" + name,
		Profile: "https://example.org/" + name, Picture: "https://example.org/" + name + ".png",
		Website: "https://" + name + ".example", Email: name + "@example.org", EmailVerified: true,
		Gender: "non-binary", Birthdate: "0000-02-29", Zoneinfo: "Pacific/Auckland",
		Locale: "fr-CA", PhoneNumber: "+6421000" + "111", PhoneNumberVerified: true,
		Address: storage.Address{
			Formatted:     "1 rue de la Paix\n75002 Paris\nFrance",
			StreetAddress: "1 rue de la Paix\nbâtiment " + name, Locality: "Paris",
			Region: "Île-de-France", PostalCode: "75002", Country: "France",
		},
		UpdatedAt: at(-24 * time.Hour).Truncate(time.Second),
	}
}

func claimsDiff(got, want storage.Claims) diff {
	var d diff
	for _, m := range []struct{ name, got, want string }{
		{"Name", got.Name, want.Name}, {"GivenName", got.GivenName, want.GivenName},
		{"FamilyName", got.FamilyName, want.FamilyName}, {"MiddleName", got.MiddleName, want.MiddleName},
		{"Nickname", got.Nickname, want.Nickname}, {"PreferredUsername", got.PreferredUsername, want.PreferredUsername},
		{"Profile", got.Profile, want.Profile}, {"Picture", got.Picture, want.Picture},
		{"Website", got.Website, want.Website}, {"Email", got.Email, want.Email},
		{"Gender", got.Gender, want.Gender}, {"Birthdate", got.Birthdate, want.Birthdate},
		{"Zoneinfo", got.Zoneinfo, want.Zoneinfo}, {"Locale", got.Locale, want.Locale},
		{"PhoneNumber", got.PhoneNumber, want.PhoneNumber},
		{"Address.Formatted", got.Address.Formatted, want.Address.Formatted},
		{"Address.StreetAddress", got.Address.StreetAddress, want.Address.StreetAddress},
		{"Address.Locality", got.Address.Locality, want.Address.Locality},
		{"Address.Region", got.Address.Region, want.Address.Region},
		{"Address.PostalCode", got.Address.PostalCode, want.Address.PostalCode},
		{"Address.Country", got.Address.Country, want.Address.Country},
	} {
		d.str("Claims."+m.name, m.got, m.want)
	}
	d.flag("Claims.EmailVerified", got.EmailVerified, want.EmailVerified)
	d.flag("Claims.PhoneNumberVerified", got.PhoneNumberVerified, want.PhoneNumberVerified)
	d.time("Claims.UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	return d
}

var claimTests = []accountTest{
	{"EveryRead", testClaimsEveryRead},
	{"None", testClaimsNone},
	{"CreateKeepsSeconds", testClaimsCreateKeepsSeconds},
	{"Text", testClaimsText},
	{"Update", testClaimsUpdate},
	{"UpdateClears", testClaimsUpdateClears},
	{"UpdateUnknown", testClaimsUpdateUnknown},
	{"DeleteForgets", testClaimsDeleteForgets},
	{"CopyIsolation", testClaimsCopyIsolation},
}

// wantClaims checks the claims of the user through GetUser, UserByName
// and ListUsers.
func wantClaims(t *testing.T, s Accounts, u *storage.User, want storage.Claims) {
	t.Helper()
	claimsDiff(mustGetUser(t, s, u.ID).Claims, want).report(t, "GetUser("+u.Username+")")
	byName, err := s.Users.UserByName(t.Context(), u.Username)
	if err != nil {
		t.Fatalf("UserByName(%q): got error %v, want nil", u.Username, err)
	}
	claimsDiff(byName.Claims, want).report(t, "UserByName("+u.Username+")")
	list, err := s.Users.ListUsers(t.Context())
	if err != nil {
		t.Fatalf("ListUsers: got error %v, want nil", err)
	}
	for _, l := range list {
		if l.ID == u.ID {
			claimsDiff(l.Claims, want).report(t, "ListUsers["+u.Username+"]")
			return
		}
	}
	t.Errorf("ListUsers: got %q, want %q among them", usernames(list), u.Username)
}

func testClaimsEveryRead(t *testing.T, s Accounts) {
	alice, bob := newUser("alice"), newUser("bob")
	mustCreateUser(t, s, alice)
	mustCreateUser(t, s, bob)
	wantClaims(t, s, alice, newClaims("alice"))
	wantClaims(t, s, bob, newClaims("bob"))
}

func testClaimsNone(t *testing.T, s Accounts) {
	u := newUser("alice")
	u.Claims = storage.Claims{}
	mustCreateUser(t, s, u)
	wantClaims(t, s, u, storage.Claims{})
}

func testClaimsCreateKeepsSeconds(t *testing.T, s Accounts) {
	u := newUser("alice")
	u.Claims.UpdatedAt = time.Date(2030, time.March, 4, 5, 6, 7, 999999999, time.UTC)
	mustCreateUser(t, s, u)
	want := newClaims("alice")
	want.UpdatedAt = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	wantClaims(t, s, u, want)
}

// testClaimsText stores text that a careless encoding would mangle.
func testClaimsText(t *testing.T, s Accounts) {
	u := newUser("alice")
	u.Claims = storage.Claims{
		Name:     `quote " backslash \ apostrophe ' nul ` + "\x00 tab \t",
		Nickname: "'); DROP TABLE users; --",
		Gender:   "🦊 <b>&amp;</b>",
		Address:  storage.Address{Formatted: "line 1\r\nline 2\n", Country: "{}"},
	}
	mustCreateUser(t, s, u)
	wantClaims(t, s, u, u.Claims)
}

func testClaimsUpdate(t *testing.T, s Accounts) {
	alice, bob := newUser("alice"), newUser("bob")
	mustCreateUser(t, s, alice)
	mustCreateUser(t, s, bob)
	c := newClaims("changed")
	c.UpdatedAt = at(-1000 * time.Hour)
	before := time.Now().Truncate(time.Second)
	if err := s.Admin.UpdateUserClaims(t.Context(), alice.ID, c); err != nil {
		t.Fatalf("UpdateUserClaims: got error %v, want nil", err)
	}
	after := time.Now()
	got := mustGetUser(t, s, alice.ID)
	if u := got.Claims.UpdatedAt; u.Before(before) || u.After(after) || !u.Equal(u.Truncate(time.Second)) {
		t.Errorf("UpdatedAt after UpdateUserClaims: got %v, want a whole second from %v to %v", u, before, after)
	}
	want := newUser("alice")
	want.Claims = c
	want.Claims.UpdatedAt = got.Claims.UpdatedAt
	userDiff(got, want).report(t, "GetUser after UpdateUserClaims")
	wantClaims(t, s, alice, want.Claims)
	userDiff(mustGetUser(t, s, bob.ID), bob).report(t, "GetUser of the other user")
}

func testClaimsUpdateClears(t *testing.T, s Accounts) {
	alice := newUser("alice")
	mustCreateUser(t, s, alice)
	if err := s.Admin.UpdateUserClaims(t.Context(), alice.ID, storage.Claims{}); err != nil {
		t.Fatalf("UpdateUserClaims: got error %v, want nil", err)
	}
	got := mustGetUser(t, s, alice.ID).Claims
	if got.UpdatedAt.IsZero() {
		t.Errorf("UpdatedAt after clearing the claims: got the zero time, want now")
	}
	wantClaims(t, s, alice, storage.Claims{UpdatedAt: got.UpdatedAt})
}

func testClaimsUpdateUnknown(t *testing.T, s Accounts) {
	bob := newUser("bob")
	mustCreateUser(t, s, bob)
	if err := s.Admin.UpdateUserClaims(t.Context(), "nobody", newClaims("x")); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdateUserClaims(nobody): got %v, want ErrNotFound", err)
	}
	wantUserNotFound(t, s, "nobody", "nobody")
	userDiff(mustGetUser(t, s, bob.ID), bob).report(t, "GetUser of the other user")
}

func testClaimsDeleteForgets(t *testing.T, s Accounts) {
	alice := newUser("alice")
	mustCreateUser(t, s, alice)
	if err := s.Admin.DeleteUser(t.Context(), alice.ID); err != nil {
		t.Fatalf("DeleteUser: got error %v, want nil", err)
	}
	again := newUser("alice")
	again.Claims = storage.Claims{}
	mustCreateUser(t, s, again)
	wantClaims(t, s, again, storage.Claims{})
}

func testClaimsCopyIsolation(t *testing.T, s Accounts) {
	in := newUser("alice")
	mustCreateUser(t, s, in)
	in.Claims.Name, in.Claims.Address.Locality = "changed", "changed"
	got := mustGetUser(t, s, in.ID)
	got.Claims.Email, got.Claims.Address.Country = "changed@example.org", "changed"
	wantClaims(t, s, in, newClaims("alice"))
}
