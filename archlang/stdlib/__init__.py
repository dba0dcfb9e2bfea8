"""The standard library of blocks: .arch files imported by bare name (`import resnet`)."""
