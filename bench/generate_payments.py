"""Write a synthetic payments file in the layout of the SaaS-Sales sample.

The file has the SaaS-Sales header, so docs/examples/saas-sales.json imports
it unchanged: one payment per row, about one customer per 100 rows with eight
contacts each, and the 14 products of the sample. Every License value is
unique, and about 40 % of the amounts have more than two decimals, as in the
sample, so the mapping's rounding is exercised. The same seed writes the same
file.

    .venv/bin/python bench/generate_payments.py OUT.csv --rows 50000
"""

import argparse
import csv
import datetime
import random
import string
from pathlib import Path

HEADER = [
    "Row ID",
    "Order ID",
    "Order Date",
    "Date Key",
    "Contact Name",
    "Country",
    "City",
    "Region",
    "Subregion",
    "Customer",
    "Customer ID",
    "Industry",
    "Segment",
    "Product",
    "License",
    "Sales",
    "Quantity",
    "Discount",
    "Profit",
]
PRODUCTS = [
    "Marketing Suite",
    "Marketing Suite - Gold",
    "FinanceHub",
    "ContactMatcher",
    "Site Analytics",
    "Data Smasher",
    "OneView",
    "SaaS Connector Pack",
    "SaaS Connector Pack - Gold",
    "ChatBot Plugin",
    "Big Ol Database",
    "Support",
    "Storage",
    "Alchemy",
]
PLACES = [
    ("Ireland", "Dublin", "EMEA", "UKIR"),
    ("United States", "New York City", "AMER", "NAMER"),
    ("Germany", "Berlin", "EMEA", "EU-WEST"),
    ("Japan", "Tokyo", "APJ", "JAPN"),
    ("Brazil", "São Paulo", "AMER", "LATAM"),
    ("Belgium", "Brussels", "EMEA", "EU-WEST"),
]
INDUSTRIES = ["Energy", "Finance", "Tech", "Healthcare", "Retail", "Manufacturing"]
SEGMENTS = ["SMB", "Strategic", "Enterprise"]
ROWS_PER_CUSTOMER = 100
CONTACTS_PER_CUSTOMER = 8
FIRST_DAY = datetime.date(2020, 1, 1)
DAYS = 5 * 365


def license_code(number: int) -> str:
    """Return a unique ten-character code for a row number, like 16GRM07R1K."""
    alphabet = string.digits + string.ascii_uppercase
    digits = []
    for _position in range(10):
        number, remainder = divmod(number, len(alphabet))
        digits.append(alphabet[remainder])
    return "".join(reversed(digits))


def amount(generator: random.Random) -> str:
    """Return a positive sales amount with two, three or four decimals."""
    places = generator.choices([2, 3, 4], weights=[60, 20, 20])[0]
    scale = 10**places
    minor = generator.randint(1, 5_000 * scale)
    return f"{minor // scale}.{minor % scale:0{places}d}"


def write_payments(path: Path, rows: int, seed: int = 1) -> Path:
    """Write `rows` payment rows to `path` and return the path."""
    generator = random.Random(seed)
    customers = max(1, rows // ROWS_PER_CUSTOMER)
    with path.open("w", encoding="utf-8", newline="") as output:
        writer = csv.writer(output)
        writer.writerow(HEADER)
        for number in range(1, rows + 1):
            customer = generator.randrange(customers)
            country, city, region, subregion = PLACES[customer % len(PLACES)]
            day = FIRST_DAY + datetime.timedelta(days=generator.randrange(DAYS))
            contact = generator.randrange(CONTACTS_PER_CUSTOMER)
            writer.writerow(
                [
                    number,
                    f"{region}-{day.year}-{number:06d}",
                    f"{day.month}/{day.day}/{day.year}",
                    day.strftime("%Y%m%d"),
                    f"Contact {customer}-{contact}",
                    country,
                    city,
                    region,
                    subregion,
                    f"Synthetic Company {customer}",
                    10_000 + customer,
                    INDUSTRIES[customer % len(INDUSTRIES)],
                    SEGMENTS[customer % len(SEGMENTS)],
                    generator.choice(PRODUCTS),
                    license_code(number),
                    amount(generator),
                    generator.randint(1, 9),
                    0,
                    0,
                ]
            )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="The CSV file to write.")
    parser.add_argument(
        "--rows", type=int, default=50_000, help="Number of payment rows."
    )
    parser.add_argument("--seed", type=int, default=1, help="Random seed.")
    arguments = parser.parse_args()
    write_payments(arguments.output, arguments.rows, arguments.seed)
    print(f"Wrote {arguments.rows} rows to {arguments.output}")


if __name__ == "__main__":
    main()
