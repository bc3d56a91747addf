// @ringkv/quorum: Dynamo-style request coordination: N/R/W, sloppy quorum, hinted handoff, read repair, receipts (transport-agnostic)
export {};
