package storagetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

var clientTests = []test[storage.ClientRegistry]{
	{"CreateGet", testClientCreateGet},
	{"CreateDuplicate", testClientCreateDuplicate},
	{"GetUnknown", testClientGetUnknown},
	{"MetadataDefaults", testClientMetadataDefaults},
	{"Update", testClientUpdate},
	{"UpdateClearsMetadata", testClientUpdateClearsMetadata},
	{"UpdateUnknown", testClientUpdateUnknown},
	{"Delete", testClientDelete},
	{"DeleteUnknown", testClientDeleteUnknown},
	{"DeleteRevokesAndForgets", testClientDeleteRevokesAndForgets},
	{"DeleteUnknownKeepsRecords", testClientDeleteUnknownKeepsRecords},
	{"List", testClientList},
	{"CopyIsolation", testClientCopyIsolation},
}

func mustCreateClient(t *testing.T, s storage.ClientRegistry, c *storage.Client) {
	t.Helper()
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatalf("CreateClient(%q): got error %v, want nil", c.ID, err)
	}
}

// getClient returns the stored client.
func getClient(t *testing.T, s storage.ClientRegistry, id string) *storage.Client {
	t.Helper()
	c, err := s.GetClient(t.Context(), id)
	if err != nil {
		t.Fatalf("GetClient(%q): got error %v, want nil", id, err)
	}
	return c
}

func wantClientNotFound(t *testing.T, s storage.ClientRegistry, id string) {
	t.Helper()
	if c, err := s.GetClient(t.Context(), id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetClient(%q): got (%v, %v), want ErrNotFound", id, c, err)
	}
}

func testClientCreateGet(t *testing.T, s storage.ClientRegistry) {
	want := newClient("app")
	mustCreateClient(t, s, want)
	got := getClient(t, s, "app")
	clientDiff(got, want).report(t, "GetClient")
	if !secret.Verify(got.SecretHash, "secret-app") {
		t.Errorf("the stored secret hash does not verify the right secret")
	}
	if secret.Verify(got.SecretHash, "secret-other") {
		t.Errorf("the stored secret hash verifies a wrong secret")
	}
}

func testClientCreateDuplicate(t *testing.T, s storage.ClientRegistry) {
	want := newClient("app")
	mustCreateClient(t, s, want)
	dup := newClient("app")
	dup.Name = "Impostor"
	dup.RedirectURIs = []string{"https://attacker.example/"}
	if err := s.CreateClient(t.Context(), dup); !errors.Is(err, storage.ErrExists) {
		t.Errorf("CreateClient with a taken ID: got error %v, want ErrExists", err)
	}
	clientDiff(getClient(t, s, "app"), want).report(t, "GetClient after the duplicate")
}

func testClientGetUnknown(t *testing.T, s storage.ClientRegistry) {
	mustCreateClient(t, s, newClient("app"))
	wantClientNotFound(t, s, "other")
	wantClientNotFound(t, s, "")
}

func testClientUpdate(t *testing.T, s storage.ClientRegistry) {
	mustCreateClient(t, s, newClient("app"))
	mustCreateClient(t, s, newClient("bystander"))
	want := newClient("app")
	want.SecretHash = secret.HashSecret("rotated")
	want.Name = "Renamed"
	want.RedirectURIs = []string{"https://app.example/new"}
	want.GrantTypes = []grantry.GrantType{grantry.GrantClientCredentials}
	want.ResponseTypes = nil
	want.Scope = grantry.Scope{"read"}
	want.AuthMethod = grantry.AuthClientSecretBasic
	want.IDTokenSignedResponseAlg = "EdDSA"
	want.SubjectType = storage.SubjectPublic
	want.SectorIdentifierURI = "https://sector.example/app.json"
	want.PostLogoutRedirectURIs = []string{"https://app.example/logged-out"}
	want.BackchannelLogoutURI = "https://app.example/bcl"
	want.BackchannelLogoutSessionRequired = false
	want.JWKS, want.JWKSURI = "", "https://app.example/keys"
	want.TokenEndpointAuthSigningAlg, want.RequestObjectSigningAlg = "EdDSA", ""
	want.RequireSignedRequestObject, want.RequirePushedAuthorizationRequests = false, false
	want.AccessTokenFormat, want.SealedSecret = storage.AccessTokenOpaque, ""
	want.RegistrationTokenHash = secret.Digest("rotated")
	want.ClientURI, want.LogoURI, want.TOSURI, want.PolicyURI = "https://app.example/home", "", "", ""
	want.Contacts = []string{"new@app.example"}
	want.SoftwareID, want.SoftwareVersion = "", "2.0"
	want.UpdatedAt = at(time.Hour)
	if err := s.UpdateClient(t.Context(), want); err != nil {
		t.Fatalf("UpdateClient: got error %v, want nil", err)
	}
	clientDiff(getClient(t, s, "app"), want).report(t, "GetClient after update")
	clientDiff(getClient(t, s, "bystander"), newClient("bystander")).report(t, "other client")
}

// clearMetadata returns c without registration metadata beyond RFC
// 6749's.
func clearMetadata(c *storage.Client) *storage.Client {
	return &storage.Client{ID: c.ID, SecretHash: c.SecretHash, Name: c.Name,
		RedirectURIs: c.RedirectURIs, GrantTypes: c.GrantTypes, ResponseTypes: c.ResponseTypes,
		Scope: c.Scope, AuthMethod: c.AuthMethod, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// testClientMetadataDefaults checks that a client without OpenID Connect
// registration metadata is read back without any.
func testClientMetadataDefaults(t *testing.T, s storage.ClientRegistry) {
	want := clearMetadata(newClient("plain"))
	mustCreateClient(t, s, want)
	clientDiff(getClient(t, s, "plain"), want).report(t, "GetClient")
}

func testClientUpdateClearsMetadata(t *testing.T, s storage.ClientRegistry) {
	mustCreateClient(t, s, newClient("app"))
	want := clearMetadata(newClient("app"))
	if err := s.UpdateClient(t.Context(), want); err != nil {
		t.Fatalf("UpdateClient: got error %v, want nil", err)
	}
	clientDiff(getClient(t, s, "app"), want).report(t, "GetClient after update")
}

func testClientUpdateUnknown(t *testing.T, s storage.ClientRegistry) {
	if err := s.UpdateClient(t.Context(), newClient("ghost")); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdateClient of an unknown ID: got error %v, want ErrNotFound", err)
	}
	wantClientNotFound(t, s, "ghost")
}

func testClientDelete(t *testing.T, s storage.ClientRegistry) {
	mustCreateClient(t, s, newClient("app"))
	mustCreateClient(t, s, newClient("bystander"))
	if err := s.DeleteClient(t.Context(), "app"); err != nil {
		t.Fatalf("DeleteClient: got error %v, want nil", err)
	}
	wantClientNotFound(t, s, "app")
	if err := s.DeleteClient(t.Context(), "app"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second DeleteClient: got error %v, want ErrNotFound", err)
	}
	clientDiff(getClient(t, s, "bystander"), newClient("bystander")).report(t, "other client")
	// The ID is free again.
	mustCreateClient(t, s, newClient("app"))
}

func testClientDeleteUnknown(t *testing.T, s storage.ClientRegistry) {
	if err := s.DeleteClient(t.Context(), "ghost"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("DeleteClient of an unknown ID: got error %v, want ErrNotFound", err)
	}
}

// testClientDeleteRevokesAndForgets checks that the client's tokens are
// revoked, its codes and the consents given to it deleted, and that a
// client created again with its ID inherits none of them.
func testClientDeleteRevokesAndForgets(t *testing.T, s storage.ClientRegistry) {
	mustCreateClient(t, s, newClient("app"))
	mustCreateClient(t, s, newClient("bystander"))
	l := storeLeftovers(t, s, asClient, "app", "bystander")
	if err := s.DeleteClient(t.Context(), "app"); err != nil {
		t.Fatalf("DeleteClient: got error %v, want nil", err)
	}
	wantClientNotFound(t, s, "app")
	mustCreateClient(t, s, newClient("app"))
	l.wantForgotten(t)
}

func testClientDeleteUnknownKeepsRecords(t *testing.T, s storage.ClientRegistry) {
	mustCreateClient(t, s, newClient("bystander"))
	l := storeLeftovers(t, s, asClient, "ghost", "bystander")
	if err := s.DeleteClient(t.Context(), "ghost"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("DeleteClient of an unknown ID: got error %v, want ErrNotFound", err)
	}
	l.wantKept(t)
}

func testClientList(t *testing.T, s storage.ClientRegistry) {
	list, err := s.ListClients(t.Context())
	if err != nil || len(list) != 0 {
		t.Fatalf("ListClients on an empty store: got (%d clients, %v), want (0, nil)", len(list), err)
	}
	// Lower-case ASCII IDs sort the same under every database collation.
	ids := []string{"mango", "apple", "kiwi", "banana", "apple2"}
	for _, id := range ids {
		mustCreateClient(t, s, newClient(id))
	}
	list, err = s.ListClients(t.Context())
	if err != nil {
		t.Fatalf("ListClients: got error %v, want nil", err)
	}
	got := make([]string, len(list))
	for i, c := range list {
		got[i] = c.ID
		clientDiff(c, newClient(c.ID)).report(t, "ListClients["+c.ID+"]")
	}
	want := slices.Sorted(slices.Values(ids))
	if !slices.Equal(got, want) {
		t.Errorf("ListClients IDs: got %q, want %q", got, want)
	}
}

// testClientCopyIsolation checks that no value passed in or handed out
// aliases what the store holds.
func testClientCopyIsolation(t *testing.T, s storage.ClientRegistry) {
	in := newClient("app")
	mustCreateClient(t, s, in)
	in.Name = "changed by caller"
	in.RedirectURIs[0] = "https://attacker.example/"
	in.Scope[0] = "admin"
	in.PostLogoutRedirectURIs[0] = "https://attacker.example/"
	in.Contacts[0] = "attacker@attacker.example"

	out := getClient(t, s, "app")
	out.Name = "changed by reader"
	out.RedirectURIs[0] = "https://attacker.example/"
	out.GrantTypes[0] = grantry.GrantPassword
	out.Contacts[1] = "attacker@attacker.example"
	list, err := s.ListClients(t.Context())
	if err != nil || len(list) != 1 {
		t.Fatalf("ListClients: got (%d clients, %v), want (1, nil)", len(list), err)
	}
	list[0].Scope[0] = "admin"
	list[0].PostLogoutRedirectURIs[1] = "https://attacker.example/"
	clientDiff(getClient(t, s, "app"), newClient("app")).report(t, "GetClient after callers changed their copies")

	upd := newClient("app")
	upd.Name = "Updated"
	if err := s.UpdateClient(t.Context(), upd); err != nil {
		t.Fatalf("UpdateClient: got error %v, want nil", err)
	}
	upd.RedirectURIs[1] = "https://attacker.example/"
	upd.PostLogoutRedirectURIs[0] = "https://attacker.example/"
	want := newClient("app")
	want.Name = "Updated"
	clientDiff(getClient(t, s, "app"), want).report(t, "GetClient after the caller changed its update")
}
