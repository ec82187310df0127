"""VAT: the rates in force in each country, and which rate and note an order line takes."""
