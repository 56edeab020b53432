package main

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// object is a resource's properties as the engine sends them: secrets and unknowns kept.
type object resource.PropertyMap

func unmarshal(s *structpb.Struct) (object, error) {
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
	return object(m), err
}

func (o object) marshal() (*structpb.Struct, error) {
	return plugin.MarshalProperties(resource.PropertyMap(o), plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
}

// get returns the value at a dotted path ("spec.replicas"); null when absent.
func (o object) get(path string) resource.PropertyValue {
	v := resource.NewObjectProperty(resource.PropertyMap(o))
	for _, key := range strings.Split(path, ".") {
		v = unwrap(v)
		if !v.IsObject() {
			return resource.NewNullProperty()
		}
		next, ok := v.ObjectValue()[resource.PropertyKey(key)]
		if !ok {
			return resource.NewNullProperty()
		}
		v = next
	}
	return unwrap(v)
}

func (o object) str(path string) string {
	if v := o.get(path); v.IsString() {
		return v.StringValue()
	}
	return ""
}

func isTrue(v resource.PropertyValue) bool {
	return (v.IsBool() && v.BoolValue()) || (v.IsString() && v.StringValue() == "true")
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

// plain is the object as the Kubernetes API takes it: secrets unwrapped. It fails on unknowns,
// which only a preview may carry and a preview never reaches the API.
func (o object) plain() (map[string]any, error) {
	var unknown []string
	var walk func(path string, v resource.PropertyValue) any
	walk = func(path string, v resource.PropertyValue) any {
		v = unwrap(v)
		switch {
		case v.IsComputed() || v.IsOutput() && !v.OutputValue().Known:
			unknown = append(unknown, path)
			return nil
		case v.IsOutput():
			return walk(path, v.OutputValue().Element)
		case v.IsObject():
			m := map[string]any{}
			for k, e := range v.ObjectValue() {
				m[string(k)] = walk(join(path, string(k)), e)
			}
			return m
		case v.IsArray():
			a := make([]any, 0, len(v.ArrayValue()))
			for i, e := range v.ArrayValue() {
				a = append(a, walk(fmt.Sprintf("%s[%d]", path, i), e))
			}
			return a
		case v.IsNumber():
			// JSON numbers: Kubernetes wants integers where the value is whole.
			if n := v.NumberValue(); n == float64(int64(n)) {
				return int64(n)
			}
			return v.NumberValue()
		}
		return v.Mappable()
	}
	m := walk("", resource.NewObjectProperty(resource.PropertyMap(o))).(map[string]any)
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("values not known yet at %s", strings.Join(unknown, ", "))
	}
	return m, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// secretPaths lists where the inputs hold secrets, so the outputs keep them secret at the same places.
func (o object) secretPaths() [][]string {
	var paths [][]string
	var walk func(path []string, v resource.PropertyValue)
	walk = func(path []string, v resource.PropertyValue) {
		if v.IsSecret() {
			paths = append(paths, append([]string(nil), path...))
			return
		}
		if v.IsObject() {
			for k, e := range v.ObjectValue() {
				walk(append(path, string(k)), e)
			}
		}
	}
	walk(nil, resource.NewObjectProperty(resource.PropertyMap(o)))
	return paths
}

// outputsOf turns a live object into outputs: managed fields dropped (bookkeeping of the API server),
// secrets where the inputs had them, and a Secret's data secret whatever the inputs said.
func outputsOf(live map[string]any, token string, inputs object) object {
	if meta, ok := live["metadata"].(map[string]any); ok {
		delete(meta, "managedFields")
	}
	out := object(resource.NewPropertyMapFromMap(live))
	paths := inputs.secretPaths()
	if token == "kubernetes:core/v1:Secret" {
		paths = append(paths, []string{"data"}, []string{"stringData"})
		// stringData is write-only in the API; keep what was sent so the state says what was asked.
		if sd, ok := inputs["stringData"]; ok {
			out["stringData"] = sd
		}
	}
	for _, p := range paths {
		markSecret(resource.PropertyMap(out), p)
	}
	return out
}

func markSecret(m resource.PropertyMap, path []string) {
	key := resource.PropertyKey(path[0])
	v, ok := m[key]
	if !ok {
		return
	}
	if len(path) == 1 {
		if !v.IsSecret() {
			m[key] = resource.MakeSecret(v)
		}
		return
	}
	if v = unwrap(v); v.IsObject() {
		markSecret(v.ObjectValue(), path[1:])
	}
}

// change is one difference between old and new inputs, at a dotted path.
type change struct {
	path string
	kind string // "add", "delete", "update"
}

// diffInputs compares old and new inputs leaf by leaf; an unknown new value counts as an update.
func diffInputs(olds, news object) []change {
	var changes []change
	var walk func(path string, o, n resource.PropertyValue)
	walk = func(path string, o, n resource.PropertyValue) {
		o, n = unwrap(o), unwrap(n)
		switch {
		case o.IsNull() && n.IsNull():
		case o.IsNull():
			changes = append(changes, change{path, "add"})
		case n.IsNull():
			changes = append(changes, change{path, "delete"})
		case n.IsComputed() || n.IsOutput() && !n.OutputValue().Known:
			changes = append(changes, change{path, "update"})
		case o.IsObject() && n.IsObject():
			keys := map[resource.PropertyKey]bool{}
			for k := range o.ObjectValue() {
				keys[k] = true
			}
			for k := range n.ObjectValue() {
				keys[k] = true
			}
			for k := range keys {
				walk(join(path, string(k)), o.ObjectValue()[k], n.ObjectValue()[k])
			}
		case o.IsArray() && n.IsArray() && len(o.ArrayValue()) == len(n.ArrayValue()):
			for i := range o.ArrayValue() {
				walk(fmt.Sprintf("%s[%d]", path, i), o.ArrayValue()[i], n.ArrayValue()[i])
			}
		case !reflect.DeepEqual(o.Mappable(), n.Mappable()):
			changes = append(changes, change{path, "update"})
		}
	}
	walk("", resource.NewObjectProperty(resource.PropertyMap(olds)), resource.NewObjectProperty(resource.PropertyMap(news)))
	sort.Slice(changes, func(i, j int) bool { return changes[i].path < changes[j].path })
	return changes
}

// projectLive returns the old inputs with every leaf they set replaced by the live object's value
// there: a refresh then reports drift in exactly the fields this stack manages.
func projectLive(inputs object, live map[string]any) object {
	liveValue := resource.NewObjectProperty(resource.NewPropertyMapFromMap(live))
	var walk func(in, lv resource.PropertyValue) resource.PropertyValue
	walk = func(in, lv resource.PropertyValue) resource.PropertyValue {
		if in.IsSecret() {
			return resource.MakeSecret(walk(in.SecretValue().Element, lv))
		}
		switch {
		case in.IsObject() && lv.IsObject():
			out := resource.PropertyMap{}
			for k, e := range in.ObjectValue() {
				if l, ok := lv.ObjectValue()[k]; ok {
					out[k] = walk(e, l)
				} else if isEmptyValue(e) {
					// The API server stores "", {} and [] by omitting the field: not drift.
					out[k] = e
				}
			}
			return resource.NewObjectProperty(out)
		case in.IsArray() && lv.IsArray() && len(in.ArrayValue()) == len(lv.ArrayValue()):
			out := make([]resource.PropertyValue, len(in.ArrayValue()))
			for i := range in.ArrayValue() {
				out[i] = walk(in.ArrayValue()[i], lv.ArrayValue()[i])
			}
			return resource.NewArrayProperty(out)
		case in.IsObject() || in.IsArray():
			return lv
		case in.IsString() && lv.IsNumber():
			// An input given as a string ("1Gi", "8080") may come back as a number.
			return resource.NewStringProperty(fmt.Sprint(lv.Mappable()))
		}
		return lv
	}
	return object(walk(resource.NewObjectProperty(resource.PropertyMap(inputs)), liveValue).ObjectValue())
}

// isEmptyValue: an input the API server leaves out of the stored object ("omitempty").
func isEmptyValue(v resource.PropertyValue) bool {
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	switch {
	case v.IsNull():
		return true
	case v.IsString():
		return v.StringValue() == ""
	case v.IsObject():
		return len(v.ObjectValue()) == 0
	case v.IsArray():
		return len(v.ArrayValue()) == 0
	}
	return false
}
