package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

// readiness looks at the live object (and, through the client, at related objects) and says
// whether it is ready; when it is not, why, in words naming the unmet condition. A non-nil
// error is a failure that waiting cannot fix (a failed Job).
type readiness func(ctx context.Context, c dynamic.Interface, obj *unstructured.Unstructured) (ready bool, why string, err error)

const defaultTimeout = 10 * time.Minute

// awaitReady polls until ready, failed, or timed out; errors name the object and the unmet condition.
func awaitReady(ctx context.Context, c dynamic.Interface, k kind, obj *unstructured.Unstructured, timeout time.Duration) (*unstructured.Unstructured, error) {
	if k.awaitReady == nil || obj.GetAnnotations()["pulumi.com/skipAwait"] == "true" {
		return obj, nil
	}
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	why := "not observed yet"
	for {
		live, err := resourceClient(c, k, obj.GetNamespace()).Get(ctx, obj.GetName(), metav1.GetOptions{})
		if err == nil {
			var ready bool
			ready, why, err = k.awaitReady(ctx, c, live)
			if err != nil {
				return live, fmt.Errorf("%s %s failed: %w", obj.GetKind(), describe(obj), err)
			}
			if ready {
				return live, nil
			}
			obj = live
		} else if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			why = err.Error()
		}
		select {
		case <-ctx.Done():
			return obj, fmt.Errorf("%s %s not ready after %s: %s", obj.GetKind(), describe(obj), timeout, why)
		case <-time.After(time.Second):
		}
	}
}

// awaitDeleted polls until the object is gone.
func awaitDeleted(ctx context.Context, c dynamic.Interface, k kind, namespace, name string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		live, err := resourceClient(c, k, namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			state := "still present"
			if live != nil && live.GetDeletionTimestamp() != nil {
				state = fmt.Sprintf("still terminating (finalizers %v)", live.GetFinalizers())
			}
			return fmt.Errorf("%s %s not deleted after %s: %s", k.gvr.Resource, joinName(namespace, name), timeout, state)
		case <-time.After(time.Second):
		}
	}
}

func describe(obj *unstructured.Unstructured) string {
	return fmt.Sprintf("%q", joinName(obj.GetNamespace(), obj.GetName()))
}

func joinName(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

func statusInt(obj *unstructured.Unstructured, field string) int64 {
	v, _, _ := unstructured.NestedInt64(obj.Object, "status", field)
	return v
}

func statusString(obj *unstructured.Unstructured, fields ...string) string {
	v, _, _ := unstructured.NestedString(obj.Object, append([]string{"status"}, fields...)...)
	return v
}

// condition returns the status and message of a status condition of the given type.
func condition(obj *unstructured.Unstructured, conditionType string) (status, message string) {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		m, _ := c.(map[string]any)
		if m["type"] == conditionType {
			status, _ = m["status"].(string)
			message, _ = m["message"].(string)
			return
		}
	}
	return "", ""
}

// StatefulSet: spec.replicas equals status.replicas, currentReplicas and readyReplicas, and
// updateRevision equals currentRevision (for the generation the controller has observed).
func statefulSetReady(_ context.Context, _ dynamic.Interface, obj *unstructured.Unstructured) (bool, string, error) {
	want, found, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	if !found {
		want = 1
	}
	if statusInt(obj, "observedGeneration") < obj.GetGeneration() {
		return false, "the controller has not observed the latest spec yet", nil
	}
	ready, current, replicas := statusInt(obj, "readyReplicas"), statusInt(obj, "currentReplicas"), statusInt(obj, "replicas")
	if replicas != want || current != want || ready != want {
		return false, fmt.Sprintf("%d/%d replicas ready, %d/%d current", ready, want, current, want), nil
	}
	if update, current := statusString(obj, "updateRevision"), statusString(obj, "currentRevision"); update != current {
		return false, fmt.Sprintf("rolling update in progress (revision %s, current %s)", update, current), nil
	}
	return true, "", nil
}

// Job: started, Complete=True; Failed=True fails at once.
func jobComplete(_ context.Context, _ dynamic.Interface, obj *unstructured.Unstructured) (bool, string, error) {
	if status, message := condition(obj, "Failed"); status == "True" {
		return false, "", fmt.Errorf("condition Failed: %s", message)
	}
	if statusString(obj, "startTime") == "" {
		return false, "the Job has not started", nil
	}
	if status, _ := condition(obj, "Complete"); status != "True" {
		return false, fmt.Sprintf("not complete (%d active, %d succeeded, %d failed)",
			statusInt(obj, "active"), statusInt(obj, "succeeded"), statusInt(obj, "failed")), nil
	}
	return true, "", nil
}

// Service: exists; unless it is headless, ExternalName or has no selector, its Endpoints target
// pods and have had 10 s without change for stragglers; a LoadBalancer has an address.
func serviceReady(ctx context.Context, c dynamic.Interface, obj *unstructured.Unstructured) (bool, string, error) {
	serviceType, _, _ := unstructured.NestedString(obj.Object, "spec", "type")
	if serviceType == "LoadBalancer" {
		ingress, _, _ := unstructured.NestedSlice(obj.Object, "status", "loadBalancer", "ingress")
		if len(ingress) == 0 {
			return false, "no load balancer address allocated", nil
		}
	}
	clusterIP, _, _ := unstructured.NestedString(obj.Object, "spec", "clusterIP")
	selector, _, _ := unstructured.NestedMap(obj.Object, "spec", "selector")
	if clusterIP == "None" || serviceType == "ExternalName" || len(selector) == 0 {
		return true, "", nil
	}
	endpoints, err := c.Resource(core("endpoints")).Namespace(obj.GetNamespace()).Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		return false, "no Endpoints object yet", nil
	}
	subsets, _, _ := unstructured.NestedSlice(endpoints.Object, "subsets")
	if len(subsets) == 0 {
		return false, "the Service does not target any ready Pods (are they ready, and does spec.selector match their labels?)", nil
	}
	if changed := lastChange(endpoints); time.Since(changed) < 10*time.Second {
		return false, "waiting 10 s after the last Endpoints change for stragglers", nil
	}
	return true, "", nil
}

// lastChange is when the Endpoints object last changed, as the endpoints controller stamps it.
func lastChange(endpoints *unstructured.Unstructured) time.Time {
	stamp := endpoints.GetAnnotations()["endpoints.kubernetes.io/last-change-trigger-time"]
	if t, err := time.Parse(time.RFC3339Nano, stamp); err == nil {
		return t
	}
	return endpoints.GetCreationTimestamp().Time
}

// PersistentVolumeClaim: Bound.
func claimBound(_ context.Context, _ dynamic.Interface, obj *unstructured.Unstructured) (bool, string, error) {
	if phase := statusString(obj, "phase"); phase != "Bound" {
		return false, fmt.Sprintf("phase %q, waiting for Bound", phase), nil
	}
	return true, "", nil
}

// PersistentVolume: Available (a pre-bound volume waits for its claim) or Bound.
func volumeAvailable(_ context.Context, _ dynamic.Interface, obj *unstructured.Unstructured) (bool, string, error) {
	switch phase := statusString(obj, "phase"); phase {
	case "Available", "Bound":
		return true, "", nil
	case "Failed":
		return false, "", fmt.Errorf("phase Failed: %s", statusString(obj, "message"))
	default:
		return false, fmt.Sprintf("phase %q, waiting for Available or Bound", phase), nil
	}
}

func resourceClient(c dynamic.Interface, k kind, namespace string) dynamic.ResourceInterface {
	if k.namespaced {
		return c.Resource(k.gvr).Namespace(namespace)
	}
	return c.Resource(k.gvr)
}
