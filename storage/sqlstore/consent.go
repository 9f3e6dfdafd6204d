package sqlstore

import (
	"context"

	"github.com/grantry/grantry/storage"
)

const (
	selectConsent = `SELECT scope, created_at FROM consents WHERE subject = $1 AND client_id = $2`
	upsertConsent = `INSERT INTO consents (subject, client_id, scope, created_at) VALUES ($1, $2, $3, $4)
	ON CONFLICT (subject, client_id) DO UPDATE SET scope = excluded.scope, created_at = excluded.created_at`
	deleteConsent = `DELETE FROM consents WHERE subject = $1 AND client_id = $2`
)

// GetConsent returns the consent of subject for clientID, or
// storage.ErrNotFound.
func (s *Store) GetConsent(ctx context.Context, subject, clientID string) (*storage.Consent, error) {
	var scope string
	var createdAt int64
	err := s.db.QueryRowContext(ctx, selectConsent, subject, clientID).Scan(&scope, &createdAt)
	if err != nil {
		return nil, wrap("read consent", err)
	}
	return &storage.Consent{Subject: subject, ClientID: clientID, Scope: decodeScope(scope), CreatedAt: fromMicros(createdAt)}, nil
}

// SaveConsent stores c, replacing any consent of the same Subject and
// ClientID, in one statement.
func (s *Store) SaveConsent(ctx context.Context, c *storage.Consent) error {
	scope, err := encodeScope(c.Scope)
	if err != nil {
		return err
	}
	return retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, upsertConsent, c.Subject, c.ClientID, scope, micros(c.CreatedAt))
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
