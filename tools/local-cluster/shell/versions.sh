# Versions of the local cluster's components, read by scripts/install/install-tools (which builds them
# from their Go modules) and scripts/local-cluster (which runs them). Why these:
# - Kubernetes 1.33: the last minor line whose kubelet runs on a cgroup v1 host without opting in
#   (1.35 refuses cgroup v1 unless failCgroupV1=false), and these kernels only have cgroup v1.
#   1.33.13 is the newest 1.33 patch the module proxy serves.
# - etcd 3.5: the line Kubernetes 1.33 is tested with (Debian's 3.4 is too old for it).
# - CoreDNS 1.12: the line kubeadm 1.33 installs as cluster DNS.
kubernetes_version=1.33.13
etcd_version=3.5.35
coredns_version=1.12.4
