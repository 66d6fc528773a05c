# An independent implementation of the bucket hash, used to write the golden vectors.
import json, random, uuid
def mul32(a, b): return (a * b) & 0xffffffff
def bucket(salt, id_):
    h = 0x811c9dc5
    for byte in (salt + ":" + id_).encode("utf-8"):
        h = mul32(h ^ byte, 0x01000193)
    h ^= h >> 16; h = mul32(h, 0x85ebca6b); h ^= h >> 13; h = mul32(h, 0xc2b2ae35); h ^= h >> 16
    return h % 100
rng = random.Random(20261126)
salts = ["a1b2c3d4e5f60718", "portal_dark_mode", "x", "Z9-_q", "0000000000000000"]
ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(40)]
ids += ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "user-42", "Ünïcødé-id", "客户-7"]
vectors = [{"salt": s, "id": i, "bucket": bucket(s, i)} for s in salts for i in ids]
json.dump({"algorithm": "fnv1a32(salt + ':' + id) |> murmur3 fmix32 |> mod 100", "vectors": vectors}, open(__import__("os").path.join(__import__("os").path.dirname(__file__), "../../test/flags/golden-vectors.json"), "w"), indent=1, ensure_ascii=False)
print(len(vectors))
