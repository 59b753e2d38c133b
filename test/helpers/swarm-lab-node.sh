#!/bin/sh
# Starts one lab node's dockerd (see swarm-lab.ts). Run as
#   nsenter --net=/run/netns/<node netns> unshare --mount --uts --propagation slave sh swarm-lab-node.sh \
#       <node dir> <host name> <engine cgroup> <dockerd args...>
# so that its mounts and host name are its own while the rest of the file system is shared.
set -eu
dir=$1; name=$2; cgroup=$3; shift 3

# Everything the engine starts (containerd, shims) inherits this cgroup, so a "power cut" of the node
# can find and kill all of it. cgroup v1 (pids controller) or v2, whichever this host has.
for root in /sys/fs/cgroup/pids /sys/fs/cgroup/unified /sys/fs/cgroup; do
  if [ -f "$root/cgroup.procs" ]; then
    mkdir -p "$root/$cgroup" && echo $$ > "$root/$cgroup/cgroup.procs" && break
  fi
done

hostname "$name"

# A sysfs of this network namespace (the engine reads bridges and veths there), keeping the host's
# cgroup mounts, which a fresh sysfs would hide. `ip netns exec` remounts /sys but drops them.
mkdir -p "$dir/cgroup"
mount --rbind /sys/fs/cgroup "$dir/cgroup"
mount -t sysfs sysfs /sys
mount --rbind "$dir/cgroup" /sys/fs/cgroup
umount -l "$dir/cgroup"

# A private /run: the node's /run/docker.sock is its own engine's, so a container that mounts
# /var/run/docker.sock (as a Dockhand worker does) talks to the engine of the node it runs on.
mount -t tmpfs -o mode=755 tmpfs /run
# A private /etc/docker: the engine's identity (key.json) is made there, and nodes sharing it would
# all report the same engine ID.
mount -t tmpfs -o mode=755 tmpfs /etc/docker

exec dockerd "$@"
