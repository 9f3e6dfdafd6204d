package sqlstore

import "context"

const (
	insertSetting = `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`
	selectSetting = `SELECT value FROM settings WHERE name = $1`
)

// LoadOrStoreSetting returns the stored value of the setting name, storing
// value first when there is none. Every process sharing the database gets
// the value stored first, so that, for example, one generated key serves
// them all.
func (s *Store) LoadOrStoreSetting(ctx context.Context, name, value string) (string, error) {
	var stored string
	err := retry(ctx, func() error {
		if _, err := s.db.ExecContext(ctx, insertSetting, name, value); err != nil {
			return wrap("store setting", err)
		}
		return wrap("read setting", s.db.QueryRowContext(ctx, selectSetting, name).Scan(&stored))
	})
	return stored, err
}
