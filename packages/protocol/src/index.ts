// @ringkv/protocol: Wire messages of ringkv: types, MessagePack codec, validation and limits, shared by the node and the SDK
export {};
