package sqlstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// clientColumnList holds the columns of clients, in the order of
// clientArgs and scanClient.
var clientColumnList = []string{"id", "secret_hash", "name", "redirect_uris", "grant_types",
	"response_types", "scope", "auth_method", "created_at", "updated_at",
	"id_token_signed_response_alg", "subject_type", "sector_identifier_uri",
	"post_logout_redirect_uris", "backchannel_logout_uri", "backchannel_logout_session_required",
	"jwks", "jwks_uri", "token_endpoint_auth_signing_alg", "request_object_signing_alg",
	"require_signed_request_object", "require_pushed_authorization_requests",
	"access_token_format", "sealed_secret", "registration_token_hash", "client_uri", "logo_uri",
	"tos_uri", "policy_uri", "contacts", "software_id", "software_version"}

var (
	clientColumns = strings.Join(clientColumnList, ", ")
	insertClient  = "INSERT INTO clients (" + clientColumns + ") VALUES (" + placeholders(1, len(clientColumnList)) + ")"
	updateClient  = "UPDATE clients SET " + assignments(clientColumnList[1:], 2) + " WHERE id = $1"
	selectClient  = "SELECT " + clientColumns + " FROM clients WHERE id = $1"
	selectClients = "SELECT " + clientColumns + " FROM clients"
)

// placeholders returns "$from, ..., $to".
func placeholders(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if i > from {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i))
	}
	return b.String()
}

// assignments returns "c1 = $from, c2 = $from+1, ...".
func assignments(columns []string, from int) string {
	parts := make([]string, len(columns))
	for i, c := range columns {
		parts[i] = c + " = $" + strconv.Itoa(from+i)
	}
	return strings.Join(parts, ", ")
}

// ErrPlainSecret is returned when a client's SecretHash is not a hash made
// by secret.HashSecret or secret.HashPassword: most likely the secret
// itself, which must never be stored.
var ErrPlainSecret = errors.New("sqlstore: SecretHash is not a hash made by secret.HashSecret or secret.HashPassword")

// Prefixes of the hashes secret.HashSecret and secret.HashPassword make.
const (
	sha256Prefix   = "sha256$"
	argon2idPrefix = "argon2id$"
)

func hashed(h string) bool {
	return h == "" || strings.HasPrefix(h, sha256Prefix) || strings.HasPrefix(h, argon2idPrefix)
}

// clientArgs returns the arguments of insertClient and updateClient for c.
func clientArgs(c *storage.Client) ([]any, error) {
	if !hashed(c.SecretHash) {
		return nil, ErrPlainSecret
	}
	uris, err1 := encodeList(c.RedirectURIs)
	grants, err2 := encodeList(c.GrantTypes)
	responses, err3 := encodeList(c.ResponseTypes)
	scope, err4 := encodeScope(c.Scope)
	logouts, err5 := encodeList(c.PostLogoutRedirectURIs)
	contacts, err6 := encodeList(c.Contacts)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		return nil, err
	}
	return []any{c.ID, c.SecretHash, c.Name, uris, grants, responses, scope,
		string(c.AuthMethod), micros(c.CreatedAt), micros(c.UpdatedAt),
		c.IDTokenSignedResponseAlg, c.SubjectType, c.SectorIdentifierURI, logouts,
		c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired,
		c.JWKS, c.JWKSURI, c.TokenEndpointAuthSigningAlg, c.RequestObjectSigningAlg,
		c.RequireSignedRequestObject, c.RequirePushedAuthorizationRequests,
		c.AccessTokenFormat, c.SealedSecret, c.RegistrationTokenHash, c.ClientURI, c.LogoURI,
		c.TOSURI, c.PolicyURI, contacts, c.SoftwareID, c.SoftwareVersion}, nil
}

// GetClient returns the client, as a *storage.Client, or
// storage.ErrNotFound.
// With CacheClients, a client read less than the cache's TTL ago is
// returned from memory.
func (s *Store) GetClient(ctx context.Context, id string) (*storage.Client, error) {
	if c := s.clients.get(id); c != nil {
		return c, nil
	}
	started, gen, cache := s.clients.begin()
	c, err := scanClient(s.queryRow(ctx, selectClient, id))
	if err != nil {
		return nil, wrap("read client", err)
	}
	if cache {
		s.clients.put(c, started, gen)
	}
	return c, nil
}

// CreateClient stores c, or returns storage.ErrExists when a client with
// its ID is stored already. A SecretHash that is not a hash is refused
// with ErrPlainSecret.
func (s *Store) CreateClient(ctx context.Context, c *storage.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return err
	}
	err = retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, insertClient, args...)
		return err
	})
	return wrap("create client", err)
}

// UpdateClient replaces the stored client with ID c.ID by c, or returns
// storage.ErrNotFound.
func (s *Store) UpdateClient(ctx context.Context, c *storage.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return err
	}
	defer s.clients.forget(c.ID)
	return s.execOne(ctx, "update client", updateClient, args...)
}

// DeleteClient removes the client, or returns storage.ErrNotFound. In the
// same transaction it revokes the client's tokens and their families, and
// deletes its codes, revoking their families, and the consents given to
// it, and removes it from the clients of every session.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	defer s.clients.forget(id)
	return s.deleteOwner(ctx, clientCascade, id)
}

// execOne runs a statement that must change one row; none is
// storage.ErrNotFound.
func (s *Store) execOne(ctx context.Context, op, query string, args ...any) error {
	var n int64
	err := retry(ctx, func() error {
		res, err := s.db.ExecContext(ctx, query, args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return storage.ErrNotFound
	}
	return nil
}

// ListClients returns every client, ordered by ID byte by byte, whatever
// the database's collation.
func (s *Store) ListClients(ctx context.Context) ([]*storage.Client, error) {
	rows, err := s.db.QueryContext(ctx, selectClients)
	if err != nil {
		return nil, wrap("list clients", err)
	}
	defer rows.Close()
	var list []*storage.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, wrap("list clients", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list clients", err)
	}
	slices.SortFunc(list, func(a, b *storage.Client) int { return strings.Compare(a.ID, b.ID) })
	return list, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanClient(row scanner) (*storage.Client, error) {
	var (
		c                       storage.Client
		uris, grants, responses string
		scope, method, logouts  string
		contacts                string
		createdAt, updatedAt    int64
		err1, err2, err3, err4  error
		err5                    error
	)
	err := row.Scan(&c.ID, &c.SecretHash, &c.Name, &uris, &grants, &responses, &scope,
		&method, &createdAt, &updatedAt, &c.IDTokenSignedResponseAlg, &c.SubjectType,
		&c.SectorIdentifierURI, &logouts, &c.BackchannelLogoutURI,
		&c.BackchannelLogoutSessionRequired,
		&c.JWKS, &c.JWKSURI, &c.TokenEndpointAuthSigningAlg, &c.RequestObjectSigningAlg,
		&c.RequireSignedRequestObject, &c.RequirePushedAuthorizationRequests,
		&c.AccessTokenFormat, &c.SealedSecret, &c.RegistrationTokenHash, &c.ClientURI, &c.LogoURI,
		&c.TOSURI, &c.PolicyURI, &contacts, &c.SoftwareID, &c.SoftwareVersion)
	if err != nil {
		return nil, err
	}
	c.RedirectURIs, err1 = decodeList[string](uris)
	c.GrantTypes, err2 = decodeList[grantry.GrantType](grants)
	c.ResponseTypes, err3 = decodeList[grantry.ResponseType](responses)
	c.PostLogoutRedirectURIs, err4 = decodeList[string](logouts)
	c.Contacts, err5 = decodeList[string](contacts)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, err
	}
	c.Scope = decodeScope(scope)
	c.AuthMethod = grantry.AuthMethod(method)
	c.CreatedAt = fromMicros(createdAt)
	c.UpdatedAt = fromMicros(updatedAt)
	return &c, nil
}
