package api_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/api"
)

// This file keeps openapi.json true, in three ways:
//
//  1. TestOpenAPIStructure: the document is structurally valid OpenAPI 3.1
//     (a focused validator below: required fields, $refs resolve, every
//     operation has responses, path parameters declared both ways).
//  2. TestOpenAPIMatchesRoutes: every route of api's route table is
//     documented, and every documented operation is served.
//  3. Every reply any test of this package receives is checked against the
//     document (env.send calls checkResponse): its status must be documented
//     for the operation and its body must validate against the documented
//     schema, where an object's undocumented property is an error too.
//     TestOpenAPIExamples sends each operation's documented example.

// openAPIDoc is a parsed OpenAPI document.
type openAPIDoc struct {
	root map[string]any
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func parseOpenAPI(b []byte) (*openAPIDoc, error) {
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	return &openAPIDoc{root: root}, nil
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

// resolve follows a local $ref ("#/a/b") to its target, or returns nil.
func (d *openAPIDoc) resolve(ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = d.root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m := obj(cur)
		if m == nil {
			return nil
		}
		var ok bool
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

// deref returns v, or what its $ref points to.
func (d *openAPIDoc) deref(v any) map[string]any {
	m := obj(v)
	for i := 0; m != nil && i < 10; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		m = obj(d.resolve(ref))
	}
	return m
}

// op is one documented operation.
type op struct {
	method, path string
	node         map[string]any
	pathItem     map[string]any
}

func (d *openAPIDoc) operations() []op {
	var out []op
	paths := obj(d.root["paths"])
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, p := range keys {
		item := obj(paths[p])
		for _, m := range methods {
			if o := obj(item[m]); o != nil {
				out = append(out, op{method: strings.ToUpper(m), path: p, node: o, pathItem: item})
			}
		}
	}
	return out
}

func (d *openAPIDoc) byID(id string) (op, bool) {
	for _, o := range d.operations() {
		if o.node["operationId"] == id {
			return o, true
		}
	}
	return op{}, false
}

// matchTemplate reports whether a concrete path matches a path template.
func matchTemplate(tmpl, path string) bool {
	ts, ps := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") {
			if ps[i] == "" {
				return false
			}
		} else if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// find returns the operation documented for method and a concrete path,
// preferring the template with the fewest parameters.
func (d *openAPIDoc) find(method, path string) (op, bool) {
	var best op
	found, bestParams := false, 1<<30
	for _, o := range d.operations() {
		if o.method == method && matchTemplate(o.path, path) {
			if n := strings.Count(o.path, "{"); n < bestParams {
				best, found, bestParams = o, true, n
			}
		}
	}
	return best, found
}

// checkResponse fails the test unless the reply is documented for the
// operation: its status listed, its body valid against the schema.
func (d *openAPIDoc) checkResponse(t *testing.T, method, path string, r *resp) {
	t.Helper()
	o, ok := d.find(method, path)
	if !ok {
		// Unknown paths and methods are answered by the catch-all with a
		// problem (checked by the caller); they have no operation.
		if r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s answered %d but is not in the OpenAPI document", method, path, r.status)
		}
		return
	}
	responses := obj(o.node["responses"])
	rs, ok := responses[strconv.Itoa(r.status)]
	if !ok {
		rs, ok = responses["default"]
	}
	if !ok {
		t.Errorf("%s %s: status %d is not documented (documented: %v); body %s", method, o.path, r.status, mapKeys(responses), r.body)
		return
	}
	content := obj(d.deref(rs)["content"])
	if content == nil {
		if len(r.body) != 0 {
			t.Errorf("%s %s: %d documented without a body, got %s", method, o.path, r.status, r.body)
		}
		return
	}
	mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	media := obj(content[mt])
	if media == nil {
		t.Errorf("%s %s: %d replied %q, documented %v", method, o.path, r.status, mt, mapKeys(content))
		return
	}
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Errorf("%s %s: body is not JSON: %v", method, o.path, err)
		return
	}
	for _, e := range d.validate(media["schema"], v, "$", true) {
		t.Errorf("%s %s %d: %s", method, o.path, r.status, e)
	}
}

func mapKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// jsonType names v's JSON type.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// validate checks v against the JSON Schema subset the document uses: $ref,
// type, enum, required, properties, additionalProperties, items and the
// date-time format. With strict, an object's property that the schema does
// not list (when it lists any) is an error: a reply must not carry
// undocumented fields, which is how a leaked field would show.
func (d *openAPIDoc) validate(schema any, v any, at string, strict bool) []string {
	s := d.deref(schema)
	if s == nil {
		return []string{at + ": schema does not resolve"}
	}
	var errs []string
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, fmt.Sprint(x))
			}
		}
		got := jsonType(v)
		if !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
			return []string{fmt.Sprintf("%s: %s, want %v", at, got, types)}
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	if s["format"] == "date-time" {
		if str, ok := v.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date-time", at, str))
			}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for _, r := range asSlice(s["required"]) {
			if _, ok := v[fmt.Sprint(r)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required property %q is missing", at, r))
			}
		}
		props := obj(s["properties"])
		for k, x := range v {
			if ps, ok := props[k]; ok {
				errs = append(errs, d.validate(ps, x, at+"."+k, strict)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: property %q is not allowed", at, k))
				}
			case map[string]any:
				errs = append(errs, d.validate(ap, x, at+"."+k, strict)...)
			default:
				if strict && props != nil {
					errs = append(errs, fmt.Sprintf("%s: property %q is not documented", at, k))
				}
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, x := range v {
				errs = append(errs, d.validate(items, x, fmt.Sprintf("%s[%d]", at, i), strict)...)
			}
		}
	}
	return errs
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

// structureErrors is the focused OpenAPI 3.1 validator: what a client
// generator or a reader relies on.
func (d *openAPIDoc) structureErrors() []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	if v, _ := d.root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		add("openapi is %q, want 3.1.x", v)
	}
	info := obj(d.root["info"])
	if s, _ := info["title"].(string); s == "" {
		add("info.title is missing")
	}
	if s, _ := info["version"].(string); s == "" {
		add("info.version is missing")
	}
	if obj(d.root["paths"]) == nil {
		add("paths is missing")
	}

	// Every $ref, anywhere, resolves.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && d.resolve(ref) == nil {
				add("%s: $ref %q does not resolve", at, ref)
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(d.root, "#")

	schemes := obj(obj(d.root["components"])["securitySchemes"])
	checkSecurity := func(at string, v any) {
		for _, req := range asSlice(v) {
			for name := range obj(req) {
				if schemes[name] == nil {
					add("%s: security scheme %q is not defined", at, name)
				}
			}
		}
	}
	checkSecurity("security", d.root["security"])

	ids := map[string]bool{}
	for p := range obj(d.root["paths"]) {
		if !strings.HasPrefix(p, "/") {
			add("path %q does not start with /", p)
		}
	}
	for _, o := range d.operations() {
		at := o.method + " " + o.path
		id, _ := o.node["operationId"].(string)
		if id == "" {
			add("%s: no operationId", at)
		} else if ids[id] {
			add("%s: operationId %q is used twice", at, id)
		}
		ids[id] = true
		checkSecurity(at, o.node["security"])

		responses := obj(o.node["responses"])
		if len(responses) == 0 {
			add("%s: no responses", at)
		}
		for code, r := range responses {
			if code != "default" && !regexp.MustCompile(`^[1-5](\d\d|XX)$`).MatchString(code) {
				add("%s: response key %q is not a status code", at, code)
			}
			if s, _ := d.deref(r)["description"].(string); s == "" {
				add("%s %s: response has no description", at, code)
			}
		}
		if rb := d.deref(o.node["requestBody"]); o.node["requestBody"] != nil && obj(rb["content"]) == nil {
			add("%s: requestBody has no content", at)
		}

		// Path parameters: declared (at the path or the operation) exactly
		// for the template's names, in: path and required.
		declared := map[string]bool{}
		for _, src := range []any{o.pathItem["parameters"], o.node["parameters"]} {
			for _, p := range asSlice(src) {
				pm := d.deref(p)
				name, _ := pm["name"].(string)
				in, _ := pm["in"].(string)
				if name == "" || in == "" {
					add("%s: a parameter lacks name or in", at)
					continue
				}
				if pm["schema"] == nil && pm["content"] == nil {
					add("%s: parameter %q has no schema", at, name)
				}
				if in == "path" {
					if pm["required"] != true {
						add("%s: path parameter %q is not required: true", at, name)
					}
					declared[name] = true
				}
			}
		}
		inTemplate := map[string]bool{}
		for _, m := range pathParamRE.FindAllStringSubmatch(o.path, -1) {
			inTemplate[m[1]] = true
			if !declared[m[1]] {
				add("%s: path parameter {%s} is not declared", at, m[1])
			}
		}
		for name := range declared {
			if !inTemplate[name] {
				add("%s: path parameter %q is not in the path", at, name)
			}
		}
	}
	for name, s := range obj(obj(d.root["components"])["schemas"]) {
		if obj(s) == nil {
			add("components.schemas.%s is not a schema object", name)
		}
	}
	return errs
}

// TestOpenAPIStructure: the document, as embedded and as served, is valid
// OpenAPI 3.1 by the focused validator.
func TestOpenAPIStructure(t *testing.T) {
	t.Parallel()
	d, err := parseOpenAPI(api.OpenAPI())
	if err != nil {
		t.Fatalf("the embedded document does not parse: %v", err)
	}
	for _, e := range d.structureErrors() {
		t.Error(e)
	}
	// The validator itself catches what it claims to.
	bad, _ := parseOpenAPI([]byte(`{"openapi":"3.0.0","info":{},"paths":{"/x/{id}":{"get":{"responses":{}},
		"post":{"operationId":"a","responses":{"200":{"$ref":"#/components/responses/Nope"}}}}}}`))
	if n := len(bad.structureErrors()); n < 6 {
		t.Errorf("the validator found %d errors in a broken document, want at least 6: %v", n, bad.structureErrors())
	}
}

// TestOpenAPIMatchesRoutes: the route table and the document list the same
// operations; public ones are documented without security, and those that
// need a permission document the 403 they can answer.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	d, err := parseOpenAPI(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]op{}
	for _, o := range d.operations() {
		documented[o.method+" "+o.path] = o
	}
	served := map[string]bool{}
	for _, rt := range api.Operations() {
		k := rt.Method + " " + rt.Path
		served[k] = true
		o, ok := documented[k]
		if !ok {
			t.Errorf("%s is served but not documented", k)
			continue
		}
		if sec, has := o.node["security"]; rt.Public != (has && len(asSlice(sec)) == 0) {
			t.Errorf("%s: public %v, but documented security is %v", k, rt.Public, sec)
		}
		if _, has403 := obj(o.node["responses"])["403"]; (rt.Permission != "") != has403 {
			t.Errorf("%s: permission %q, but 403 documented: %v", k, rt.Permission, has403)
		}
		if !rt.Public {
			if _, has401 := obj(o.node["responses"])["401"]; !has401 {
				t.Errorf("%s needs a key but does not document 401", k)
			}
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("%s is documented but not served", k)
		}
	}

	// The document served is the embedded one.
	e := newEnv(t, sqliteOnly)
	r := e.want(e.call("GET", "/api/v1/openapi.json", "", nil), http.StatusOK)
	if string(r.body) != string(api.OpenAPI()) {
		t.Error("GET /api/v1/openapi.json is not the embedded document")
	}
}

// TestOpenAPIExamples sends every operation's documented example (with the
// path's IDs and the Zoho credentials swapped for live ones from the
// sandbox) to the live handler, in an order that makes each succeed, and
// checks the documented success status; env.send validates each reply
// against the document. Every documented operation must be exercised.
func TestOpenAPIExamples(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	var connID, keyID, wfID, stageID, postID, appID, trID, webhookID string
	eu, err := e.dir.DC("eu")
	must(t, err)

	steps := []string{
		"getOpenAPI", "listServices", "createService", "getService",
		"createConnection", "listConnections", "getConnection", "checkConnection", "invokeConnection", "importCandidates",
		"listConnectionEvents", "reconnectConnection",
		"createWorkflow", "listWorkflows", "getWorkflow", "linkStage",
		"createJobPost", "listJobPosts", "getJobPost", "setJobPostHRConnection",
		"putApplicant", "listApplicants", "getApplicant",
		"getFieldMapping", "putFieldMapping", "previewFieldMapping",
		"createApplication", "listApplications", "getApplication", "moveApplication",
		"listTransfers", "getTransfer", "retryTransfer", "unlinkStage",
		"createAPIKey", "listAPIKeys", "deleteAPIKey",
		"createWebhook", "listWebhooks", "listWebhookDeliveries", "deleteWebhook", "listAudit",
		"deleteConnection", "deleteService",
	}
	seen := map[string]bool{}
	for _, id := range steps {
		o, ok := e.oa.byID(id)
		if !ok {
			t.Fatalf("operation %s is not documented", id)
		}
		seen[id] = true
		var body any
		if rb := e.oa.deref(o.node["requestBody"]); rb != nil {
			ex := obj(obj(rb["content"])["application/json"])["example"]
			if ex == nil {
				t.Errorf("%s: the request body has no example", id)
			}
			b, _ := json.Marshal(ex)
			var m map[string]any
			must(t, json.Unmarshal(b, &m)) // a copy to change
			switch id {
			case "createConnection":
				m["client_id"], m["client_secret"], m["code"] = e.selfClient(fmt.Sprint(m["dc"]))
			case "reconnectConnection":
				var c connectionOut
				e.want(e.call("GET", "/api/v1/connections/"+connID, e.adminKey, nil), 200).decode(t, &c)
				m["code"] = e.newCode(c.ClientID)
			case "invokeConnection":
				m["url"] = strings.Replace(fmt.Sprint(m["url"]), "https://people.zoho.eu", eu.PeopleURL, 1)
			case "linkStage":
				m["connection_id"] = connID
			case "createJobPost":
				m["workflow_id"] = wfID
			case "setJobPostHRConnection":
				m["hr_connection_id"] = connID
			case "createApplication":
				m["job_post_id"] = postID
			case "moveApplication":
				m["stage_id"] = stageID
			}
			body = m
		}
		pathID := connID
		for prefix, v := range map[string]string{"/api-keys": keyID, "/workflows": wfID, "/job-posts": postID, "/applications": appID, "/transfers": trID, "/webhooks": webhookID} {
			if strings.HasPrefix(o.path, "/api/v1"+prefix) {
				pathID = v
			}
		}
		if id == "importCandidates" {
			rc, _ := e.connectRecruit("Zoho Recruit EU")
			pathID = rc.ID
		}
		path := strings.NewReplacer("{id}", pathID, "{key}", "acme_hr", "{stage_id}", stageID, "{applicant_id}", "A-1001").Replace(o.path)
		if id == "previewFieldMapping" {
			path += "?applicant_id=A-1001"
		}
		if id == "retryTransfer" {
			// Only a failed transfer can be retried: fail the pending one
			// as a worker would for a record Zoho refused.
			tr, err := e.db.Transfer(e.ctx, e.tenant.ID, trID)
			must(t, err)
			tr.State, tr.LastError, tr.FinishedAt = hrconnect.TransferFailed, "Zoho refused the record.", e.sb.Now()
			must(t, e.db.UpdateTransfer(e.ctx, tr, nil))
		}
		key := e.adminKey
		if o.node["security"] != nil {
			key = ""
		}
		r := e.call(o.method, path, key, body)
		want := 0
		for code := range obj(o.node["responses"]) {
			if n, _ := strconv.Atoi(code); n >= 200 && n < 300 && (want == 0 || n < want) {
				want = n
			}
		}
		if id == "putApplicant" {
			want = http.StatusCreated // the first put creates the applicant
		}
		if r.status != want {
			t.Fatalf("%s (%s %s): status %d, want %d: %s", id, o.method, path, r.status, want, r.body)
		}
		switch id {
		case "createConnection":
			var out struct {
				Connection connectionOut `json:"connection"`
				Tokens     tokensOut     `json:"tokens"`
			}
			r.decode(t, &out)
			connID = out.Connection.ID
			e.secret(out.Tokens.AccessToken, out.Tokens.RefreshToken)
			e.allowLast(out.Tokens.AccessToken, out.Tokens.RefreshToken)
		case "reconnectConnection":
			var out struct {
				Tokens tokensOut `json:"tokens"`
			}
			r.decode(t, &out)
			e.secret(out.Tokens.AccessToken, out.Tokens.RefreshToken)
			e.allowLast(out.Tokens.AccessToken, out.Tokens.RefreshToken)
		case "createAPIKey":
			var out struct {
				APIKey struct {
					ID string `json:"id"`
				} `json:"api_key"`
				Key string `json:"key"`
			}
			r.decode(t, &out)
			keyID = out.APIKey.ID
			e.secret(out.Key)
			e.allowLast(out.Key)
		case "createWorkflow":
			var out struct {
				ID     string `json:"id"`
				Stages []struct {
					ID string `json:"id"`
				} `json:"stages"`
			}
			r.decode(t, &out)
			wfID, stageID = out.ID, out.Stages[len(out.Stages)-1].ID
		case "createJobPost":
			var out struct {
				ID string `json:"id"`
			}
			r.decode(t, &out)
			postID = out.ID
		case "createApplication":
			var out struct {
				ID string `json:"id"`
			}
			r.decode(t, &out)
			appID = out.ID
		case "moveApplication":
			var out struct {
				Transfer struct {
					ID string `json:"id"`
				} `json:"transfer"`
			}
			r.decode(t, &out)
			if trID = out.Transfer.ID; trID == "" {
				t.Fatalf("moving into the linked stage made no transfer: %s", r.body)
			}
		case "createWebhook":
			var out struct {
				Webhook struct {
					ID string `json:"id"`
				} `json:"webhook"`
				Secret string `json:"secret"`
			}
			r.decode(t, &out)
			webhookID = out.Webhook.ID
			e.secret(out.Secret)
			e.allowLast(out.Secret)
		}
	}
	for _, o := range e.oa.operations() {
		if id, _ := o.node["operationId"].(string); !seen[id] {
			t.Errorf("operation %s (%s %s) has no example step", id, o.method, o.path)
		}
	}
}
