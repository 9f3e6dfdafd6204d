package storagetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// Users is how a backend finds the users who sign in.
type Users interface {
	// GetUser returns the user with the given ID, or storage.ErrNotFound.
	GetUser(ctx context.Context, id string) (*storage.User, error)
	// UserByName returns the user with the given Username, compared
	// exactly, or storage.ErrNotFound.
	UserByName(ctx context.Context, username string) (*storage.User, error)
	// ListUsers returns every user, ordered by Username.
	ListUsers(ctx context.Context) ([]*storage.User, error)
}

// UserAdmin is how a backend changes its users.
type UserAdmin interface {
	// CreateUser stores a new user, or returns storage.ErrExists when a
	// user with the same ID or Username is stored already.
	CreateUser(ctx context.Context, u *storage.User) error
	// DeleteUser removes a user, or returns storage.ErrNotFound and
	// changes nothing. In the same step its consents and authorization
	// codes are deleted, and every token issued to it (Subject == id) is
	// revoked with its family, as by storage.TokenStore.RevokeFamily; the
	// families of the deleted codes are revoked too, so that a code being
	// redeemed meanwhile stores its tokens revoked. A backend does this
	// for the records it keeps: where codes or tokens are kept by
	// another, the application must refuse those of a deleted user.
	DeleteUser(ctx context.Context, id string) error
	// SetPasswordHash replaces a user's PasswordHash, or returns
	// storage.ErrNotFound.
	SetPasswordHash(ctx context.Context, id, hash string) error
	// RevokeUserGrants revokes every token issued to the user with its
	// family and deletes the user's authorization codes, revoking their
	// families, in one step, as DeleteUser does, but keeps the user, their
	// consents and sessions; or returns storage.ErrNotFound and changes
	// nothing. A password change calls it, so that what the old password
	// obtained ends.
	RevokeUserGrants(ctx context.Context, id string) error
	// UpdateUserClaims replaces a user's Claims with c, whose UpdatedAt
	// it sets to the current time, or returns storage.ErrNotFound and
	// changes nothing. Backends keep Claims.UpdatedAt to the second, in
	// CreateUser too.
	UpdateUserClaims(ctx context.Context, id string, c storage.Claims) error
}

// Consents is how a backend keeps remembered consents, one per user and
// client.
type Consents interface {
	// GetConsent returns the consent of subject for clientID, or
	// storage.ErrNotFound.
	GetConsent(ctx context.Context, subject, clientID string) (*storage.Consent, error)
	// SaveConsent stores c, replacing any consent of the same Subject and
	// ClientID.
	SaveConsent(ctx context.Context, c *storage.Consent) error
	// DeleteConsent removes the consent of subject for clientID. An
	// unknown consent is not an error.
	DeleteConsent(ctx context.Context, subject, clientID string) error
}

// Accounts is the storage of the users who sign in and of the consents
// they gave, as RunAccounts tests it. A backend that keeps both in one
// store gives that store in every field.
type Accounts struct {
	Users    Users
	Admin    UserAdmin
	Consents Consents
}

// RunAccounts runs the conformance suite of Users, UserAdmin and Consents
// as subtests of t. newStore is called once per subtest and must return
// a new, empty store. What DeleteUser does to tokens, codes and consents
// is checked when Accounts.Admin also implements storage.TokenStore,
// storage.CodeStore or Consents.
func RunAccounts(t *testing.T, newStore func(t *testing.T) Accounts) {
	groups := []struct {
		name  string
		tests []accountTest
	}{
		{"Users", userTests},
		{"Claims", claimTests},
		{"Consents", consentTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
			}
		})
	}
}

type accountTest struct {
	name string
	run  func(t *testing.T, s Accounts)
}

// newUser returns a user with every field set, distinct for each name.
// The hash is a fixed string: the store keeps it, it never checks it.
func newUser(name string) *storage.User {
	return &storage.User{
		ID:           "user-id-" + name,
		Username:     name,
		PasswordHash: "argon2id$v=19$m=65536,t=3,p=4$c2FsdC0" + name + "$a2V5",
		CreatedAt:    at(-72 * time.Hour),
		Claims:       newClaims(name),
	}
}

func userDiff(got, want *storage.User) diff {
	var d diff
	d.str("ID", got.ID, want.ID)
	d.str("Username", got.Username, want.Username)
	d.str("PasswordHash", got.PasswordHash, want.PasswordHash)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d = append(d, claimsDiff(got.Claims, want.Claims)...)
	return d
}

func mustCreateUser(t *testing.T, s Accounts, u *storage.User) {
	t.Helper()
	if err := s.Admin.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q): got error %v, want nil", u.Username, err)
	}
}

func mustGetUser(t *testing.T, s Accounts, id string) *storage.User {
	t.Helper()
	u, err := s.Users.GetUser(t.Context(), id)
	if err != nil {
		t.Fatalf("GetUser(%q): got error %v, want nil", id, err)
	}
	return u
}

func wantUserNotFound(t *testing.T, s Accounts, id, username string) {
	t.Helper()
	if u, err := s.Users.GetUser(t.Context(), id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetUser(%q): got (%v, %v), want ErrNotFound", id, u, err)
	}
	if u, err := s.Users.UserByName(t.Context(), username); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UserByName(%q): got (%v, %v), want ErrNotFound", username, u, err)
	}
}

func usernames(list []*storage.User) []string {
	out := make([]string, len(list))
	for i, u := range list {
		out[i] = u.Username
	}
	return out
}

// newConsent returns a consent of user for client, without claims.
func newConsent(user, client string, scope ...string) *storage.Consent {
	return &storage.Consent{Subject: user, ClientID: client, Scope: grantry.Scope(scope), CreatedAt: at(-time.Minute)}
}

// withClaims returns c with the given claim names.
func withClaims(c *storage.Consent, names ...string) *storage.Consent {
	c.Claims = names
	return c
}

func consentDiff(got, want *storage.Consent) diff {
	var d diff
	d.str("Subject", got.Subject, want.Subject)
	d.str("ClientID", got.ClientID, want.ClientID)
	d.strs("Scope", got.Scope, want.Scope)
	d.strs("Claims", got.Claims, want.Claims)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	return d
}

func mustGetConsent(t *testing.T, s Accounts, subject, client string) *storage.Consent {
	t.Helper()
	c, err := s.Consents.GetConsent(t.Context(), subject, client)
	if err != nil {
		t.Fatalf("GetConsent(%q, %q): got error %v, want nil", subject, client, err)
	}
	return c
}

func mustSaveConsent(t *testing.T, s Accounts, c *storage.Consent) {
	t.Helper()
	if err := s.Consents.SaveConsent(t.Context(), c); err != nil {
		t.Fatalf("SaveConsent(%q, %q): got error %v, want nil", c.Subject, c.ClientID, err)
	}
}

func wantConsentNotFound(t *testing.T, s Accounts, subject, client string) {
	t.Helper()
	if c, err := s.Consents.GetConsent(t.Context(), subject, client); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetConsent(%q, %q): got (%v, %v), want ErrNotFound", subject, client, c, err)
	}
}

var userTests = []accountTest{
	{"CreateGet", testUserCreateGet},
	{"ByName", testUserByName},
	{"ByNameExact", testUserByNameExact},
	{"CreateDuplicateID", testUserDuplicateID},
	{"CreateDuplicateUsername", testUserDuplicateUsername},
	{"GetUnknown", testUserGetUnknown},
	{"List", testUserList},
	{"ListEmpty", testUserListEmpty},
	{"Delete", testUserDelete},
	{"DeleteUnknown", testUserDeleteUnknown},
	{"DeleteRevokesAndForgets", testUserDeleteRevokesAndForgets},
	{"DeleteUnknownKeepsRecords", testUserDeleteUnknownKeepsRecords},
	{"SetPasswordHash", testUserSetPasswordHash},
	{"RevokeGrants", testUserRevokeGrants},
	{"SetPasswordHashUnknown", testUserSetPasswordHashUnknown},
	{"CopyIsolation", testUserCopyIsolation},
}

func testUserCreateGet(t *testing.T, s Accounts) {
	want := newUser("alice")
	mustCreateUser(t, s, want)
	userDiff(mustGetUser(t, s, want.ID), want).report(t, "GetUser")
}

func testUserByName(t *testing.T, s Accounts) {
	for _, name := range []string{"alice", "bob", "zoë@example.org"} {
		mustCreateUser(t, s, newUser(name))
	}
	for _, name := range []string{"alice", "bob", "zoë@example.org"} {
		got, err := s.Users.UserByName(t.Context(), name)
		if err != nil {
			t.Fatalf("UserByName(%q): got error %v, want nil", name, err)
		}
		userDiff(got, newUser(name)).report(t, "UserByName("+name+")")
	}
}

func testUserByNameExact(t *testing.T, s Accounts) {
	mustCreateUser(t, s, newUser("alice"))
	for _, name := range []string{"Alice", "ALICE", "alice ", " alice", "alic", "alice%", "alic_", ""} {
		if u, err := s.Users.UserByName(t.Context(), name); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("UserByName(%q): got (%v, %v), want ErrNotFound", name, u, err)
		}
	}
}

func testUserDuplicateID(t *testing.T, s Accounts) {
	first := newUser("alice")
	mustCreateUser(t, s, first)
	dup := newUser("bob")
	dup.ID = first.ID
	if err := s.Admin.CreateUser(t.Context(), dup); !errors.Is(err, storage.ErrExists) {
		t.Errorf("CreateUser with a stored ID: got %v, want ErrExists", err)
	}
	userDiff(mustGetUser(t, s, first.ID), first).report(t, "GetUser after a refused duplicate")
	if u, err := s.Users.UserByName(t.Context(), "bob"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UserByName(bob) after a refused create: got (%v, %v), want ErrNotFound", u, err)
	}
}

func testUserDuplicateUsername(t *testing.T, s Accounts) {
	first := newUser("alice")
	mustCreateUser(t, s, first)
	dup := newUser("alice")
	dup.ID = "another-id"
	if err := s.Admin.CreateUser(t.Context(), dup); !errors.Is(err, storage.ErrExists) {
		t.Errorf("CreateUser with a stored Username: got %v, want ErrExists", err)
	}
	if u, err := s.Users.GetUser(t.Context(), "another-id"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetUser of the refused user: got (%v, %v), want ErrNotFound", u, err)
	}
}

func testUserGetUnknown(t *testing.T, s Accounts) {
	wantUserNotFound(t, s, "nobody", "nobody")
}

func testUserList(t *testing.T, s Accounts) {
	for _, name := range []string{"carol", "alice", "dave", "bob"} {
		mustCreateUser(t, s, newUser(name))
	}
	list, err := s.Users.ListUsers(t.Context())
	if err != nil {
		t.Fatalf("ListUsers: got error %v, want nil", err)
	}
	if got, want := usernames(list), []string{"alice", "bob", "carol", "dave"}; !slices.Equal(got, want) {
		t.Fatalf("ListUsers: got %q, want %q", got, want)
	}
	userDiff(list[2], newUser("carol")).report(t, "ListUsers[2]")
}

func testUserListEmpty(t *testing.T, s Accounts) {
	list, err := s.Users.ListUsers(t.Context())
	if err != nil || len(list) != 0 {
		t.Errorf("ListUsers on an empty store: got (%v, %v), want no users and nil", list, err)
	}
}

func testUserDelete(t *testing.T, s Accounts) {
	alice, bob := newUser("alice"), newUser("bob")
	mustCreateUser(t, s, alice)
	mustCreateUser(t, s, bob)
	if err := s.Admin.DeleteUser(t.Context(), alice.ID); err != nil {
		t.Fatalf("DeleteUser: got error %v, want nil", err)
	}
	wantUserNotFound(t, s, alice.ID, alice.Username)
	userDiff(mustGetUser(t, s, bob.ID), bob).report(t, "GetUser of the other user")
	again := newUser("alice")
	again.ID = "new-alice"
	if err := s.Admin.CreateUser(t.Context(), again); err != nil {
		t.Errorf("CreateUser reusing a deleted user's name: got %v, want nil", err)
	}
}

func testUserDeleteUnknown(t *testing.T, s Accounts) {
	if err := s.Admin.DeleteUser(t.Context(), "nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("DeleteUser(nobody): got %v, want ErrNotFound", err)
	}
}

// testUserDeleteRevokesAndForgets checks that the user's tokens are
// revoked and its codes and consents deleted, while another user's stay.
func testUserDeleteRevokesAndForgets(t *testing.T, s Accounts) {
	alice, bob := newUser("alice"), newUser("bob")
	mustCreateUser(t, s, alice)
	mustCreateUser(t, s, bob)
	l := storeLeftovers(t, s.Admin, asUser, alice.ID, bob.ID)
	if err := s.Admin.DeleteUser(t.Context(), alice.ID); err != nil {
		t.Fatalf("DeleteUser: got error %v, want nil", err)
	}
	wantUserNotFound(t, s, alice.ID, alice.Username)
	l.wantForgotten(t)
}

func testUserDeleteUnknownKeepsRecords(t *testing.T, s Accounts) {
	mustCreateUser(t, s, newUser("bob"))
	l := storeLeftovers(t, s.Admin, asUser, "nobody", newUser("bob").ID)
	if err := s.Admin.DeleteUser(t.Context(), "nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("DeleteUser(nobody): got %v, want ErrNotFound", err)
	}
	l.wantKept(t)
}

// testUserRevokeGrants checks that the user's tokens are revoked with
// their families and their codes deleted, while their consents and
// sessions, and another user's records, stay.
func testUserRevokeGrants(t *testing.T, s Accounts) {
	alice, bob := newUser("alice"), newUser("bob")
	mustCreateUser(t, s, alice)
	mustCreateUser(t, s, bob)
	l := storeLeftovers(t, s.Admin, asUser, alice.ID, bob.ID)
	if err := s.Admin.RevokeUserGrants(t.Context(), alice.ID); err != nil {
		t.Fatalf("RevokeUserGrants: got error %v, want nil", err)
	}
	if _, err := s.Users.GetUser(t.Context(), alice.ID); err != nil {
		t.Errorf("GetUser after RevokeUserGrants: got error %v, want the user", err)
	}
	l.wantTheirs(t)
	l.wantGrantsRevoked(t)
	l.wantConsents(t, l.myConsents)
	l.wantSessionsKept(t, l.mySession)
	if err := s.Admin.RevokeUserGrants(t.Context(), "nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("RevokeUserGrants(nobody): got %v, want ErrNotFound", err)
	}
}

func testUserSetPasswordHash(t *testing.T, s Accounts) {
	alice, bob := newUser("alice"), newUser("bob")
	mustCreateUser(t, s, alice)
	mustCreateUser(t, s, bob)
	if err := s.Admin.SetPasswordHash(t.Context(), alice.ID, "sha256$new"); err != nil {
		t.Fatalf("SetPasswordHash: got error %v, want nil", err)
	}
	want := newUser("alice")
	want.PasswordHash = "sha256$new"
	userDiff(mustGetUser(t, s, alice.ID), want).report(t, "GetUser after SetPasswordHash")
	byName, err := s.Users.UserByName(t.Context(), "alice")
	if err != nil || byName.PasswordHash != "sha256$new" {
		t.Errorf("UserByName after SetPasswordHash: got (%v, %v), want hash %q", byName, err, "sha256$new")
	}
	userDiff(mustGetUser(t, s, bob.ID), bob).report(t, "GetUser of the other user")
}

func testUserSetPasswordHashUnknown(t *testing.T, s Accounts) {
	if err := s.Admin.SetPasswordHash(t.Context(), "nobody", "sha256$x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("SetPasswordHash(nobody): got %v, want ErrNotFound", err)
	}
}

func testUserCopyIsolation(t *testing.T, s Accounts) {
	in := newUser("alice")
	mustCreateUser(t, s, in)
	in.PasswordHash, in.Username = "changed", "changed"
	got := mustGetUser(t, s, "user-id-alice")
	got.PasswordHash = "changed too"
	userDiff(mustGetUser(t, s, "user-id-alice"), newUser("alice")).report(t, "GetUser after changing copies")
}

var consentTests = []accountTest{
	{"SaveGet", testConsentSaveGet},
	{"GetUnknown", testConsentGetUnknown},
	{"SaveReplaces", testConsentSaveReplaces},
	{"PerSubjectAndClient", testConsentPerSubjectAndClient},
	{"EmptyScope", testConsentEmptyScope},
	{"Claims", testConsentClaims},
	{"NoClaims", testConsentNoClaims},
	{"SaveReplacesClaims", testConsentSaveReplacesClaims},
	{"Delete", testConsentDelete},
	{"DeleteUnknown", testConsentDeleteUnknown},
	{"CopyIsolation", testConsentCopyIsolation},
}

func testConsentSaveGet(t *testing.T, s Accounts) {
	want := withClaims(newConsent("user-1", "app", "openid", "profile", "email"), "email_verified", "phone_number")
	mustSaveConsent(t, s, want)
	consentDiff(mustGetConsent(t, s, "user-1", "app"), want).report(t, "GetConsent")
}

func testConsentGetUnknown(t *testing.T, s Accounts) {
	wantConsentNotFound(t, s, "user-1", "app")
}

func testConsentSaveReplaces(t *testing.T, s Accounts) {
	mustSaveConsent(t, s, newConsent("user-1", "app", "profile"))
	want := newConsent("user-1", "app", "profile", "email")
	want.CreatedAt = at(time.Minute)
	mustSaveConsent(t, s, want)
	consentDiff(mustGetConsent(t, s, "user-1", "app"), want).report(t, "GetConsent after a second save")
}

func testConsentPerSubjectAndClient(t *testing.T, s Accounts) {
	saved := []*storage.Consent{
		newConsent("user-1", "app", "a"),
		newConsent("user-1", "other", "b"),
		newConsent("user-2", "app", "c"),
	}
	for _, c := range saved {
		mustSaveConsent(t, s, c)
	}
	for _, want := range saved {
		consentDiff(mustGetConsent(t, s, want.Subject, want.ClientID), want).report(t, "GetConsent("+want.Subject+", "+want.ClientID+")")
	}
	wantConsentNotFound(t, s, "user-2", "other")
	wantConsentNotFound(t, s, "app", "user-1")
}

func testConsentEmptyScope(t *testing.T, s Accounts) {
	mustSaveConsent(t, s, newConsent("user-1", "app"))
	got := mustGetConsent(t, s, "user-1", "app")
	if len(got.Scope) != 0 {
		t.Errorf("GetConsent of a consent without scope: got scope %q, want none", got.Scope)
	}
}

func testConsentDelete(t *testing.T, s Accounts) {
	mustSaveConsent(t, s, newConsent("user-1", "app", "a"))
	other := newConsent("user-1", "other", "b")
	mustSaveConsent(t, s, other)
	if err := s.Consents.DeleteConsent(t.Context(), "user-1", "app"); err != nil {
		t.Fatalf("DeleteConsent: got error %v, want nil", err)
	}
	wantConsentNotFound(t, s, "user-1", "app")
	consentDiff(mustGetConsent(t, s, "user-1", "other"), other).report(t, "GetConsent of the other client")
}

func testConsentDeleteUnknown(t *testing.T, s Accounts) {
	if err := s.Consents.DeleteConsent(t.Context(), "user-1", "app"); err != nil {
		t.Errorf("DeleteConsent of an unknown consent: got %v, want nil", err)
	}
}

func testConsentCopyIsolation(t *testing.T, s Accounts) {
	in := withClaims(newConsent("user-1", "app", "a", "b"), "c1", "c2")
	mustSaveConsent(t, s, in)
	in.Scope[0], in.Claims[0] = "changed", "changed"
	got := mustGetConsent(t, s, "user-1", "app")
	got.Scope[1] = "changed too"
	if len(got.Claims) > 1 {
		got.Claims[1] = "changed too"
	}
	want := withClaims(newConsent("user-1", "app", "a", "b"), "c1", "c2")
	consentDiff(mustGetConsent(t, s, "user-1", "app"), want).report(t, "GetConsent after changing copies")
}

// testConsentClaims checks that claim names of every form round-trip,
// including URIs and names with brackets, quotes, commas, spaces and
// non-ASCII letters, each in a consent of its own.
func testConsentClaims(t *testing.T, s Accounts) {
	tests := []struct {
		name   string
		claims []string
	}{
		{"standard", []string{"address", "email_verified", "phone_number", "picture"}},
		{"one", []string{"nickname"}},
		{"uri", []string{"https://claims.example.org/groups", "urn:example:claim:role"}},
		{"awkward", []string{`["x"]`, "a b", "a,b", "naïve", `quote"d`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := withClaims(newConsent("user-"+tc.name, "app", "openid"), tc.claims...)
			mustSaveConsent(t, s, want)
			consentDiff(mustGetConsent(t, s, want.Subject, "app"), want).report(t, "GetConsent")
		})
	}
}

// testConsentNoClaims checks that a consent with nil or empty claims reads
// back with none.
func testConsentNoClaims(t *testing.T, s Accounts) {
	tests := []struct {
		name   string
		claims []string
	}{
		{"nil", nil},
		{"empty", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustSaveConsent(t, s, withClaims(newConsent("user-"+tc.name, "app", "openid"), tc.claims...))
			if got := mustGetConsent(t, s, "user-"+tc.name, "app"); len(got.Claims) != 0 {
				t.Errorf("GetConsent of a consent with %s claims: got claims %q, want none", tc.name, got.Claims)
			}
		})
	}
}

// testConsentSaveReplacesClaims checks that a second save replaces the
// claims, with others or with none, and leaves another client's alone.
func testConsentSaveReplacesClaims(t *testing.T, s Accounts) {
	other := withClaims(newConsent("user-1", "other", "openid"), "address")
	mustSaveConsent(t, s, other)
	steps := []struct {
		name   string
		claims []string
	}{
		{"first", []string{"email_verified", "picture"}},
		{"others", []string{"phone_number"}},
		{"more", []string{"address", "phone_number", "picture"}},
		{"none", nil},
		{"again", []string{"email_verified"}},
	}
	for _, step := range steps {
		want := withClaims(newConsent("user-1", "app", "openid"), step.claims...)
		mustSaveConsent(t, s, want)
		consentDiff(mustGetConsent(t, s, "user-1", "app"), want).report(t, "GetConsent after the save "+step.name)
	}
	consentDiff(mustGetConsent(t, s, "user-1", "other"), other).report(t, "GetConsent of the other client")
}
