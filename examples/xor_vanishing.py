"""The vanishing gradient on XOR, as seed 000 shows it: nine hidden layers of
five units, trained the same way twice. With sigmoid hidden units the gradient
that reaches the first layers is too small to move them, and the net stays at
loss 0.25 and accuracy 0.5 (it answers 0.5 for everything); with ReLU it learns.

    python examples/xor_vanishing.py

Both networks come from their specs (architectures/xor_sigmoid.arch and
architectures/xor_relu.arch) through `archlang.build`; the training loop is
plain PyTorch: full batch, MSE loss, 2000 epochs of SGD (lr 0.1), a fixed seed,
and the seed's Keras initialisation (Glorot-uniform weights, zero biases).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

import archlang

ARCHITECTURES = Path(__file__).resolve().parent.parent / "architectures"
SEED = 0
EPOCHS = 2000
LEARNING_RATE = 0.1

INPUTS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = torch.tensor([[0.0], [1.0], [1.0], [0.0]])


def keras_init(model: nn.Module) -> None:
    """Keras' defaults, as the seed trained: Glorot-uniform weights, zero biases.
    (PyTorch's smaller default weights starve even the ReLU net at this depth.)"""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)


def train(spec: Path, seed: int = SEED, epochs: int = EPOCHS) -> tuple[float, float]:
    """Train one spec on XOR; return the final loss and accuracy."""
    torch.manual_seed(seed)
    model = archlang.build(spec)
    keras_init(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.MSELoss()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(INPUTS), TARGETS)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        outputs = model(INPUTS)
        loss = loss_fn(outputs, TARGETS).item()
        accuracy = ((outputs > 0.5).float() == TARGETS).float().mean().item()
    return loss, accuracy


def main() -> None:
    torch.set_num_threads(1)  # four examples of two inputs: threads only add overhead
    for name in ("xor_sigmoid", "xor_relu"):
        loss, accuracy = train(ARCHITECTURES / f"{name}.arch")
        print(f"{name:12} loss {loss:.4f}  accuracy {accuracy:.2f}")


if __name__ == "__main__":
    main()
