package main

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// kind is what the plugin knows of one resource type: where it lives in the API, which changes
// Kubernetes refuses in place (so they replace the object), and how to wait for it.
type kind struct {
	gvr        schema.GroupVersionResource
	namespaced bool
	// immutable lists the paths (dotted, from the object's root) whose change forces a replacement.
	immutable []string
	// awaitReady is the documented readiness rule for create and update; nil: ready when applied.
	awaitReady readiness
}

// kinds are exactly the resource types the program registers; any other type is refused by name.
// Readiness rules follow the doc comments of @pulumi/kubernetes (node_modules/@pulumi/kubernetes).
var kinds = map[string]kind{
	"kubernetes:core/v1:Namespace": {
		// Like the real provider: waited for on delete only (a new namespace is Active at once).
		gvr: core("namespaces"),
	},
	"kubernetes:core/v1:Secret": {
		gvr: core("secrets"), namespaced: true, immutable: []string{"type"},
	},
	"kubernetes:core/v1:ConfigMap": {
		gvr: core("configmaps"), namespaced: true,
	},
	"kubernetes:core/v1:Service": {
		gvr: core("services"), namespaced: true, immutable: []string{"spec.clusterIP", "spec.clusterIPs"},
		awaitReady: serviceReady,
	},
	"kubernetes:core/v1:PersistentVolume": {
		// Only capacity, access modes, reclaim policy, mount options, class and claimRef may change.
		gvr: core("persistentvolumes"), awaitReady: volumeAvailable,
		immutable: []string{
			"spec.nfs", "spec.local", "spec.hostPath", "spec.csi", "spec.iscsi", "spec.fc", "spec.cephfs",
			"spec.rbd", "spec.glusterfs", "spec.volumeMode", "spec.nodeAffinity",
		},
	},
	"kubernetes:core/v1:PersistentVolumeClaim": {
		// Everything in spec but the requested size (and the attributes class) is fixed at creation.
		gvr: core("persistentvolumeclaims"), namespaced: true, awaitReady: claimBound,
		immutable: []string{
			"spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName",
			"spec.volumeMode", "spec.dataSource", "spec.dataSourceRef", "spec.resources.limits",
		},
	},
	"kubernetes:apps/v1:StatefulSet": {
		gvr: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}, namespaced: true,
		immutable:  []string{"spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy"},
		awaitReady: statefulSetReady,
	},
	"kubernetes:batch/v1:Job": {
		gvr: schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}, namespaced: true,
		immutable:  []string{"spec.template", "spec.selector", "spec.completionMode", "spec.manualSelector"},
		awaitReady: jobComplete,
	},
	"kubernetes:policy/v1:PodDisruptionBudget": {
		gvr: schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}, namespaced: true,
	},
	"kubernetes:networking.k8s.io/v1:NetworkPolicy": {
		gvr: schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"}, namespaced: true,
	},
}

func core(resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Version: "v1", Resource: resource}
}

func supportedTypes() string {
	names := make([]string, 0, len(kinds))
	for t := range kinds {
		names = append(names, t)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// replaceReasons returns the changed paths Kubernetes would refuse to apply in place.
func (k kind) replaceReasons(olds, news object, changed []string) []string {
	fixed := append([]string{"metadata.name", "metadata.namespace"}, k.immutable...)
	// A ConfigMap or Secret marked immutable keeps its data for life (and the mark itself).
	if isTrue(olds.get("immutable")) {
		fixed = append(fixed, "data", "stringData", "binaryData", "immutable")
	}
	var reasons []string
	for _, path := range changed {
		for _, f := range fixed {
			if path == f || strings.HasPrefix(path, f+".") || strings.HasPrefix(path, f+"[") {
				reasons = append(reasons, path)
				break
			}
		}
	}
	return reasons
}
