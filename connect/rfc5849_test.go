package connect

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An OAuth 1.0a verifier written from RFC 5849 §3.4 for the tests, on
// purpose without dghubble/oauth1: signatures made with the library must
// verify under an independent reading of the RFC, as a service would do it.

// rfcEncode is RFC 5849 §3.6 percent-encoding: every byte but the unreserved
// characters, with upper-case hex. url.QueryEscape differs only in writing a
// space as '+' (a literal '+' becomes "%2B", so the swap is unambiguous).
func rfcEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

type rfcParam struct{ name, value string }

// oauthRequestParams collects the parameters of a request that §3.4.1.3.1
// says are signed, from the query, a form body and an OAuth Authorization
// header (without realm), and the oauth_signature apart. It fails when the
// signature is missing or given twice.
func oauthRequestParams(r *http.Request, body []byte) (params []rfcParam, signature string, err error) {
	nSig := 0
	add := func(name, value string) {
		if name == "oauth_signature" {
			signature = value
			nSig++
			return
		}
		params = append(params, rfcParam{name, value})
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, "", err
	}
	for k, vs := range q {
		for _, v := range vs {
			add(k, v)
		}
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", err
		}
		for k, vs := range f {
			for _, v := range vs {
				add(k, v)
			}
		}
	}
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "OAuth ") {
		for _, item := range strings.Split(strings.TrimPrefix(h, "OAuth "), ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
			if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
				return nil, "", fmt.Errorf("malformed OAuth header item %q", item)
			}
			dk, err1 := url.PathUnescape(k)
			dv, err2 := url.PathUnescape(v[1 : len(v)-1])
			if err1 != nil || err2 != nil {
				return nil, "", fmt.Errorf("malformed OAuth header item %q", item)
			}
			if dk != "realm" {
				add(dk, dv)
			}
		}
	}
	if nSig != 1 {
		return nil, "", fmt.Errorf("oauth_signature given %d times", nSig)
	}
	return params, signature, nil
}

// normalizedParams is §3.4.1.3.2: encode, sort by name then value, join.
func normalizedParams(params []rfcParam) string {
	enc := make([]rfcParam, len(params))
	for i, p := range params {
		enc[i] = rfcParam{rfcEncode(p.name), rfcEncode(p.value)}
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].name != enc[j].name {
			return enc[i].name < enc[j].name
		}
		return enc[i].value < enc[j].value
	})
	parts := make([]string, len(enc))
	for i, p := range enc {
		parts[i] = p.name + "=" + p.value
	}
	return strings.Join(parts, "&")
}

// baseStringURI is §3.4.1.2 for a request received by a test server (plain
// http): lower-case host, no default port, the path as sent.
func baseStringURI(r *http.Request) string {
	host := strings.ToLower(r.Host)
	host = strings.TrimSuffix(host, ":80")
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	return "http://" + host + path
}

func signatureBaseString(method, baseURI string, params []rfcParam) string {
	return strings.ToUpper(method) + "&" + rfcEncode(baseURI) + "&" + rfcEncode(normalizedParams(params))
}

// verifyOAuth1 checks an HMAC-SHA1 signed request as a service would
// (§3.2): the signature method, the consumer key and token it expects, a
// timestamp within five minutes, a nonce, and the signature over the base
// string with the consumer and token secrets. It returns the oauth_*
// parameters it read.
func verifyOAuth1(r *http.Request, body []byte, consumerKey, consumerSecret string, tokenSecretOf func(token string) (string, bool)) (map[string]string, error) {
	params, sig, err := oauthRequestParams(r, body)
	if err != nil {
		return nil, err
	}
	oauth := map[string]string{}
	for _, p := range params {
		if strings.HasPrefix(p.name, "oauth_") {
			if _, dup := oauth[p.name]; dup {
				return nil, fmt.Errorf("%s given twice", p.name)
			}
			oauth[p.name] = p.value
		}
	}
	if oauth["oauth_signature_method"] != "HMAC-SHA1" {
		return nil, fmt.Errorf("signature method %q", oauth["oauth_signature_method"])
	}
	if v, ok := oauth["oauth_version"]; ok && v != "1.0" {
		return nil, fmt.Errorf("version %q", v)
	}
	if oauth["oauth_consumer_key"] != consumerKey {
		return nil, errors.New("unknown consumer key")
	}
	ts, err := strconv.ParseInt(oauth["oauth_timestamp"], 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return nil, errors.New("bad timestamp")
	}
	if oauth["oauth_nonce"] == "" {
		return nil, errors.New("no nonce")
	}
	tokenSecret := ""
	if tok, ok := oauth["oauth_token"]; ok {
		if tokenSecret, ok = tokenSecretOf(tok); !ok {
			return nil, errors.New("unknown token")
		}
	}
	base := signatureBaseString(r.Method, baseStringURI(r), params)
	mac := hmac.New(sha1.New, []byte(rfcEncode(consumerSecret)+"&"+rfcEncode(tokenSecret)))
	mac.Write([]byte(base))
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return nil, errors.New("signature does not match")
	}
	return oauth, nil
}

// The verifier itself is checked against the worked example of RFC 5849
// §3.4.1: its parameter table, normalised parameter string and base string.
func TestRFC5849VerifierMatchesTheRFCExample(t *testing.T) {
	t.Parallel()
	body := "c2&a3=2+q"
	r, err := http.NewRequest("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", `OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="djosJKDKJSD8743243%2Fjdk33klY%3D"`)
	params, sig, err := oauthRequestParams(r, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if sig != "djosJKDKJSD8743243/jdk33klY=" {
		t.Errorf("signature = %q", sig)
	}
	const wantParams = "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
	if got := normalizedParams(params); got != wantParams {
		t.Errorf("normalized parameters =\n%s\nwant\n%s", got, wantParams)
	}
	r.Host = "example.com"
	const wantBase = "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
	if got := signatureBaseString(r.Method, baseStringURI(r), params); got != wantBase {
		t.Errorf("base string =\n%s\nwant\n%s", got, wantBase)
	}
}
