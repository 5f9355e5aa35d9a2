package redisconn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSFiles are the TLS settings of a rediss:// or rediss-sentinel:// connection, read
// by Parse. All are optional; there is no way to skip the verification of the server.
type TLSFiles struct {
	// CA is a PEM file of the certificates that may sign the servers' certificates
	// (default: the system's roots).
	CA string
	// Cert and Key are the PEM client certificate and its key, for servers that ask
	// for one (tls-auth-clients); both or neither.
	Cert, Key string
	// ServerName is the name checked in the servers' certificates (default: the host
	// of the address dialled: the URL's host, or each sentinel and each server that
	// Sentinel names).
	ServerName string
}

// IsZero reports whether no TLS setting is given.
func (f TLSFiles) IsZero() bool { return f == TLSFiles{} }

// config returns base (or a new config) with the files applied.
func (f TLSFiles) config(base *tls.Config) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if base != nil {
		c = base.Clone()
		if c.MinVersion == 0 {
			c.MinVersion = tls.VersionTLS12
		}
	}
	if f.ServerName != "" {
		c.ServerName = f.ServerName
	}
	if f.CA != "" {
		pem, err := os.ReadFile(f.CA)
		if err != nil {
			return nil, fmt.Errorf("redis TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("redis TLS CA file %s holds no PEM certificate", f.CA)
		}
		c.RootCAs = pool
	}
	switch {
	case f.Cert != "" && f.Key != "":
		cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, fmt.Errorf("redis TLS client certificate %s and key %s: %w", f.Cert, f.Key, err)
		}
		c.Certificates = []tls.Certificate{cert}
	case f.Cert != "":
		return nil, errors.New("a redis TLS client certificate is given without its key (--redis-tls-key / STAKEOUT_REDIS_TLS_KEY)")
	case f.Key != "":
		return nil, errors.New("a redis TLS client key is given without its certificate (--redis-tls-cert / STAKEOUT_REDIS_TLS_CERT)")
	}
	return c, nil
}
