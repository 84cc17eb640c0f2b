// BTF-defined maps of several kinds, a pinned map, a map-in-map and a prog
// array with initial contents, all used by one XDP program that ends in a
// tail call.
#include "vmlinux-min.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct pair {
	__u32 a;
	__u32 b;
};

/* Hash with key and value types from BTF. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hash_map SEC(".maps");

/* Array with sizes only (no BTF for key or value). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
} sized_array SEC(".maps");

/* LRU hash with map_flags. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, __u32);
	__type(value, struct pair);
} lru_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* Pinned by name under the loader's pinPath, and reused from there. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_counter SEC(".maps");

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

/* Slot 0 holds inner_a from the start; slot 1 is empty. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a },
};

SEC("xdp")
int tail_prog(struct xdp_md *ctx);

/* Slot 2 holds tail_prog from the start. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (void *));
} jump_table SEC(".maps") = {
	.values = { [2] = (void *)&tail_prog },
};

/* Set by tail_prog, so a test sees it really ran. */
__u32 tail_runs;

struct event {
	__u32 magic;
	__u32 inner_value;
	__u64 hash_value;
};

SEC("xdp")
int tail_prog(struct xdp_md *ctx)
{
	tail_runs++;
	return 42;
}

SEC("xdp")
int maps_main(struct xdp_md *ctx)
{
	__u32 key = 1, zero = 0;
	__u64 v = 0x1111, *pv;
	struct pair p = { .a = 5, .b = 6 };
	struct event *e;
	__u32 *inner, *iv;
	__u32 inner_value = 0;

	bpf_map_update_elem(&hash_map, &key, &v, BPF_ANY);

	pv = bpf_map_lookup_elem(&sized_array, &key);
	if (pv)
		*pv += 2;

	bpf_map_update_elem(&lru_map, &key, &p, BPF_ANY);

	pv = bpf_map_lookup_elem(&pinned_counter, &zero);
	if (pv)
		__sync_fetch_and_add(pv, 1);

	/* outer[0] is inner_a: read what the test stored there, add 1000. */
	inner = bpf_map_lookup_elem(&outer, &zero);
	if (inner) {
		iv = bpf_map_lookup_elem(inner, &zero);
		if (iv) {
			inner_value = *iv;
			*iv += 1000;
		}
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->magic = 0xe7e7e7e7;
		e->inner_value = inner_value;
		e->hash_value = v;
		bpf_ringbuf_submit(e, 0);
	}

	bpf_tail_call(ctx, &jump_table, 2);
	/* Reached only when slot 2 is empty. */
	return XDP_DROP;
}
