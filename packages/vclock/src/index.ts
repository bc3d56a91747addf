// @ringkv/vclock: Version vectors and dotted version vector sets (siblings) for ringkv
export {};
