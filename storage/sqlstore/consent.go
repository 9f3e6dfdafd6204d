package sqlstore

import (
	"context"

	"github.com/grantry/grantry/storage"
)

const (
	selectConsent = `SELECT scope, claims, created_at FROM consents WHERE subject = $1 AND client_id = $2`
	upsertConsent = `INSERT INTO consents (subject, client_id, scope, claims, created_at) VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (subject, client_id) DO UPDATE SET scope = excluded.scope, claims = excluded.claims,
	created_at = excluded.created_at`
	deleteConsent = `DELETE FROM consents WHERE subject = $1 AND client_id = $2`
)

// GetConsent returns the consent of subject for clientID, or
// storage.ErrNotFound.
func (s *Store) GetConsent(ctx context.Context, subject, clientID string) (*storage.Consent, error) {
	var scope, claims string
	var createdAt int64
	err := s.queryRow(ctx, selectConsent, subject, clientID).Scan(&scope, &claims, &createdAt)
	if err != nil {
		return nil, wrap("read consent", err)
	}
	names, err := decodeList[string](claims)
	if err != nil {
		return nil, err
	}
	return &storage.Consent{Subject: subject, ClientID: clientID, Scope: decodeScope(scope), Claims: names,
		CreatedAt: fromMicros(createdAt)}, nil
}

// SaveConsent stores c, replacing any consent of the same Subject and
// ClientID, in one statement.
func (s *Store) SaveConsent(ctx context.Context, c *storage.Consent) error {
	scope, err := encodeScope(c.Scope)
	if err != nil {
		return err
	}
	claims, err := encodeList(c.Claims)
	if err != nil {
		return err
	}
	return retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, upsertConsent, c.Subject, c.ClientID, scope, claims, micros(c.CreatedAt))
		return wrap("save consent", err)
	})
}

// DeleteConsent removes the consent of subject for clientID, if any.
func (s *Store) DeleteConsent(ctx context.Context, subject, clientID string) error {
	return retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, deleteConsent, subject, clientID)
		return wrap("delete consent", err)
	})
}
