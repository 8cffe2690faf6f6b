// Package connect holds what hrconnect does with connections to services:
// calling a service with a connection's credentials injected (Invoke), the
// guard that keeps those credentials inside the service's base URLs
// (URLGuard), the redaction of secrets from everything shown or logged
// (Redactor), and the authorization flows of custom services: OAuth 2.0
// (OAuth2Config, AuthCodeURL) and three-legged OAuth 1.0a (OAuth1Flow).
//
// The package never stores anything: callers hand it plaintext credentials
// for one call and keep them encrypted everywhere else.
package connect
