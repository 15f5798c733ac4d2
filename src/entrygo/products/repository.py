"""Products, as the caller may see them."""

from __future__ import annotations

from entrygo.db.repository import Repository
from entrygo.products.models import Product


class ProductRepository(Repository[Product]):
    model = Product
    what = "Product"
