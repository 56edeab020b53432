package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"middleware.local/tools/plugin-support/serve"
)

// fieldManager owns every field this plugin applies (server-side apply), as one manager.
const fieldManager = "pulumi-kubernetes"

type provider struct {
	serve.Base
	client           dynamic.Interface
	defaultNamespace string
}

// DiffConfig: pointing the provider at another cluster or namespace updates it; nothing is replaced.
func (p *provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"kubeconfig", "context", "namespace", "cluster"} {
		if olds.str(key) != news.str(key) || news.get(key).IsComputed() {
			return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{key}}, nil
		}
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	settings := map[string]string{}
	for k, v := range req.GetVariables() {
		settings[strings.TrimPrefix(k, "kubernetes:config:")] = v
	}
	if args, err := unmarshal(req.GetArgs()); err == nil {
		for _, key := range []string{"kubeconfig", "context", "namespace"} {
			if v := args.str(key); v != "" {
				settings[key] = v
			}
		}
	}
	client, namespace, err := connect(settings["kubeconfig"], settings["context"])
	if err != nil {
		return nil, err
	}
	p.client, p.defaultNamespace = client, namespace
	if settings["namespace"] != "" {
		p.defaultNamespace = settings["namespace"]
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func kindOf(urn string) (string, kind, error) {
	token := string(resource.URN(urn).Type())
	k, ok := kinds[token]
	if !ok {
		return token, k, fmt.Errorf("resource type %s is not supported by this offline kubernetes plugin (supported: %s); "+
			"install the real pulumi-resource-kubernetes plugin for it", token, supportedTypes())
	}
	return token, k, nil
}

// Check names the object when the program did not: <resource name>-<8 hex>, stable across
// previews through the engine's random seed.
func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if _, _, err := kindOf(req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	if news.get("metadata.name").IsNull() {
		seed := req.GetRandomSeed()
		if len(seed) == 0 {
			seed = make([]byte, 16)
			_, _ = rand.Read(seed)
		}
		sum := sha256.Sum256(seed)
		name := resource.URN(req.GetUrn()).Name() + "-" + hex.EncodeToString(sum[:4])
		meta := news.get("metadata")
		m := resource.PropertyMap{}
		if meta.IsObject() {
			m = meta.ObjectValue().Copy()
		}
		m["name"] = resource.NewStringProperty(strings.ToLower(name))
		news["metadata"] = resource.NewObjectProperty(m)
	}
	inputs, err := news.marshal()
	return &pulumirpc.CheckResponse{Inputs: inputs}, err
}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	_, k, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	changes := diffInputs(olds, news)
	if len(changes) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	paths := make([]string, len(changes))
	for i, c := range changes {
		paths[i] = c.path
	}
	replaces := k.replaceReasons(olds, news, paths)
	replacing := map[string]bool{}
	for _, r := range replaces {
		replacing[r] = true
	}
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, c := range changes {
		detailed[c.path] = &pulumirpc.PropertyDiff{Kind: diffKind(c.kind, replacing[c.path]), InputDiff: true}
	}
	return &pulumirpc.DiffResponse{
		Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: topLevel(paths), Replaces: replaces,
		DetailedDiff: detailed, HasDetailedDiff: true,
		// Kubernetes names are unique: a replacement under the same name must delete first.
		DeleteBeforeReplace: len(replaces) > 0 && olds.str("metadata.name") == news.str("metadata.name"),
	}, nil
}

func diffKind(kind string, replace bool) pulumirpc.PropertyDiff_Kind {
	switch {
	case kind == "add" && replace:
		return pulumirpc.PropertyDiff_ADD_REPLACE
	case kind == "add":
		return pulumirpc.PropertyDiff_ADD
	case kind == "delete" && replace:
		return pulumirpc.PropertyDiff_DELETE_REPLACE
	case kind == "delete":
		return pulumirpc.PropertyDiff_DELETE
	case replace:
		return pulumirpc.PropertyDiff_UPDATE_REPLACE
	}
	return pulumirpc.PropertyDiff_UPDATE
}

func topLevel(paths []string) []string {
	seen, out := map[string]bool{}, []string{}
	for _, p := range paths {
		top := strings.SplitN(strings.SplitN(p, ".", 2)[0], "[", 2)[0]
		if !seen[top] {
			seen[top] = true
			out = append(out, top)
		}
	}
	return out
}

// toObject is the object to apply: the inputs with secrets unwrapped, in the default namespace
// when the program named none.
func (p *provider) toObject(k kind, inputs object) (*unstructured.Unstructured, error) {
	m, err := inputs.plain()
	if err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{Object: m}
	if k.namespaced && obj.GetNamespace() == "" {
		obj.SetNamespace(p.defaultNamespace)
	}
	if !k.namespaced {
		obj.SetNamespace("")
	}
	return obj, nil
}

func (p *provider) apply(ctx context.Context, k kind, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	live, err := resourceClient(p.client, k, obj.GetNamespace()).Apply(ctx, obj.GetName(), obj,
		metav1.ApplyOptions{FieldManager: fieldManager, Force: true})
	if err != nil {
		return nil, fmt.Errorf("apply %s %s: %w", obj.GetKind(), describe(obj), err)
	}
	return live, nil
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	token, k, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		return &pulumirpc.CreateResponse{Properties: req.GetProperties()}, nil
	}
	id, props, err := p.applyAndAwait(ctx, token, k, req.GetProperties(), req.GetTimeout(), true)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	token, k, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		return &pulumirpc.UpdateResponse{Properties: req.GetNews()}, nil
	}
	_, props, err := p.applyAndAwait(ctx, token, k, req.GetNews(), req.GetTimeout(), false)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// applyAndAwait applies the inputs and waits for readiness; an object that does not get ready is
// reported with its id and outputs (ErrorResourceInitFailed) so the engine records it. Creating
// never adopts an object someone else made: that is what `pulumi import` is for.
func (p *provider) applyAndAwait(ctx context.Context, token string, k kind, properties *structpb.Struct, timeout float64, creating bool) (string, *structpb.Struct, error) {
	inputs, err := unmarshal(properties)
	if err != nil {
		return "", nil, err
	}
	obj, err := p.toObject(k, inputs)
	if err != nil {
		return "", nil, err
	}
	if creating {
		if _, err := resourceClient(p.client, k, obj.GetNamespace()).Get(ctx, obj.GetName(), metav1.GetOptions{}); err == nil {
			return "", nil, fmt.Errorf("%s %s already exists; import it (pulumi import %s %s) or delete it first",
				obj.GetKind(), describe(obj), token, idOf(obj))
		}
	}
	live, err := p.apply(ctx, k, obj)
	if err != nil {
		return "", nil, err
	}
	live, awaitErr := awaitReady(ctx, p.client, k, live, seconds(timeout))
	props, err := outputsOf(live.Object, token, inputs).marshal()
	if err != nil {
		return "", nil, err
	}
	if awaitErr != nil {
		return "", nil, initFailed(idOf(live), props, awaitErr)
	}
	return idOf(live), props, nil
}

// Read serves refresh and import: the live object as outputs; as inputs, the old inputs with the
// live values at the fields they set (or, on import, the live object's own spec).
func (p *provider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	token, k, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	namespace, name := splitID(req.GetId(), k)
	live, err := resourceClient(p.client, k, namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return &pulumirpc.ReadResponse{}, nil // gone: the engine drops it from the state
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", k.gvr.Resource, joinName(namespace, name), err)
	}
	oldInputs, err := unmarshal(req.GetInputs())
	if err != nil {
		return nil, err
	}
	var inputs object
	if len(oldInputs) > 0 {
		inputs = projectLive(oldInputs, live.DeepCopy().Object)
		if sd, ok := oldInputs["stringData"]; ok && token == "kubernetes:core/v1:Secret" {
			inputs["stringData"] = sd // write-only in the API: nothing live to compare with
		}
	} else {
		inputs = inputsOf(live.DeepCopy())
	}
	props, err := outputsOf(live.Object, token, inputs).marshal()
	if err != nil {
		return nil, err
	}
	ins, err := inputs.marshal()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: ins}, nil
}

// inputsOf is what a program would have written to get this live object: no status, no fields
// the API server sets.
func inputsOf(live *unstructured.Unstructured) object {
	delete(live.Object, "status")
	meta, _ := live.Object["metadata"].(map[string]any)
	for _, f := range []string{"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink"} {
		delete(meta, f)
	}
	return object(resource.NewPropertyMapFromMap(live.Object))
}

// Delete removes the object (dependents first) and waits until it is gone.
func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	_, k, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	namespace, name := splitID(req.GetId(), k)
	foreground := metav1.DeletePropagationForeground
	err = resourceClient(p.client, k, namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &foreground})
	if apierrors.IsNotFound(err) {
		return &emptypb.Empty{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("delete %s %s: %w", k.gvr.Resource, joinName(namespace, name), err)
	}
	return &emptypb.Empty{}, awaitDeleted(ctx, p.client, k, namespace, name, seconds(req.GetTimeout()))
}

func idOf(obj *unstructured.Unstructured) string { return joinName(obj.GetNamespace(), obj.GetName()) }

func splitID(id string, k kind) (namespace, name string) {
	if k.namespaced {
		if i := strings.Index(id, "/"); i >= 0 {
			return id[:i], id[i+1:]
		}
		return "default", id
	}
	return "", id
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// initFailed records the object in the state although it is not ready: the next update waits
// for it again instead of creating it anew.
func initFailed(id string, props *structpb.Struct, cause error) error {
	detail := &pulumirpc.ErrorResourceInitFailed{Id: id, Properties: props, Reasons: []string{cause.Error()}}
	return rpcerror.WithDetails(rpcerror.New(codes.Unknown, cause.Error()), detail)
}
