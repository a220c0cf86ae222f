"""The names, places and number formats that demonstration customers are made of."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Locale:
    """The parts from which customers of one country are made."""

    currency: str
    languages: tuple[str, ...]
    legal_forms: tuple[str, ...]
    # (city, postal code, region)
    cities: tuple[tuple[str, str, str], ...]
    streets: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    # (trading name, industry)
    companies: tuple[tuple[str, str], ...]
    # The shape of a VAT number: "#" is a digit, "@" a capital letter. Empty
    # where the country has no VAT number to check.
    vat_pattern: str = ""


LOCALES: dict[str, Locale] = {
    "DE": Locale(
        "EUR",
        ("de",),
        ("GmbH", "AG", "GmbH & Co. KG"),
        (
            ("Berlin", "10115", "Berlin"),
            ("München", "80331", "Bayern"),
            ("Hamburg", "20095", "Hamburg"),
            ("Köln", "50667", "Nordrhein-Westfalen"),
            ("Leipzig", "04109", "Sachsen"),
        ),
        ("Hauptstraße", "Bahnhofstraße", "Lindenallee", "Industriestraße"),
        ("Anna", "Jonas", "Lena", "Felix", "Katrin", "Markus", "Sabine", "Tobias"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker"),
        (
            ("Nordwind Logistik", "Logistics"),
            ("Rheinwerk Maschinenbau", "Manufacturing"),
            ("Alpenblick Hotels", "Hospitality"),
            ("Hansa Feinkost", "Food wholesale"),
            ("Schwarzwald Holzbau", "Construction"),
            ("Elbtal Software", "Software"),
            ("Brandenburger Solartechnik", "Energy"),
            ("Isar Medizintechnik", "Medical devices"),
        ),
        "DE#########",
    ),
    "FR": Locale(
        "EUR",
        ("fr",),
        ("SAS", "SARL", "SA"),
        (
            ("Paris", "75002", "Île-de-France"),
            ("Lyon", "69002", "Auvergne-Rhône-Alpes"),
            ("Nantes", "44000", "Pays de la Loire"),
            ("Bordeaux", "33000", "Nouvelle-Aquitaine"),
            ("Lille", "59000", "Hauts-de-France"),
        ),
        ("rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo"),
        ("Camille", "Julien", "Léa", "Nicolas", "Chloé", "Antoine", "Manon"),
        ("Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Girard"),
        (
            ("Atelier Lumière", "Interior design"),
            ("Vignobles Garonne", "Wine trade"),
            ("Boulangeries Dorées", "Food retail"),
            ("Transports Mistral", "Logistics"),
            ("Optique Horizon", "Retail"),
            ("Cabinet Lefort Conseil", "Consulting"),
            ("Menuiserie Bretonne", "Construction"),
        ),
        "FR###########",
    ),
    "BE": Locale(
        "EUR",
        ("nl", "fr"),
        ("BV", "SRL", "NV"),
        (
            ("Brussel", "1000", "Brussels Hoofdstedelijk Gewest"),
            ("Antwerpen", "2000", "Antwerpen"),
            ("Gent", "9000", "Oost-Vlaanderen"),
            ("Liège", "4000", "Liège"),
            ("Namur", "5000", "Namur"),
        ),
        ("Kerkstraat", "Stationsstraat", "rue du Marché", "Grote Markt"),
        ("Lotte", "Wout", "Emma", "Arthur", "Julie", "Louis", "Fien"),
        ("Peeters", "Janssens", "Maes", "Jacobs", "Dupont", "Lambert", "Claes"),
        (
            ("Brouwerij De Kroon", "Brewing"),
            ("Chocolaterie Mosane", "Food manufacturing"),
            ("Vlaams Bouwadvies", "Engineering"),
            ("Ardennes Outdoor", "Tourism"),
            ("Diamant Logistics", "Logistics"),
        ),
        "BE0#########",
    ),
    "NL": Locale(
        "EUR",
        ("nl",),
        ("B.V.", "N.V."),
        (
            ("Amsterdam", "1012 JS", "Noord-Holland"),
            ("Rotterdam", "3011 AD", "Zuid-Holland"),
            ("Utrecht", "3511 LX", "Utrecht"),
            ("Eindhoven", "5611 EM", "Noord-Brabant"),
        ),
        ("Prinsengracht", "Hoofdweg", "Dorpsstraat", "Havenstraat"),
        ("Sanne", "Daan", "Femke", "Bram", "Lieke", "Joost", "Marloes"),
        ("de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit"),
        (
            ("Tulpenveld Kwekerij", "Horticulture"),
            ("Grachtenhuis Vastgoed", "Real estate"),
            ("Zeewind Energie", "Energy"),
            ("Fietsfabriek Oranje", "Manufacturing"),
            ("Kaashandel Gouda-Noord", "Food wholesale"),
        ),
        "NL#########B##",
    ),
    "IT": Locale(
        "EUR",
        ("it",),
        ("S.r.l.", "S.p.A."),
        (
            ("Milano", "20121", "Lombardia"),
            ("Torino", "10121", "Piemonte"),
            ("Bologna", "40121", "Emilia-Romagna"),
            ("Firenze", "50122", "Toscana"),
        ),
        ("Via Roma", "Corso Garibaldi", "Via Giuseppe Verdi"),
        ("Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"),
        (
            ("Tessitura Lariana", "Textiles"),
            ("Oleificio Toscano", "Food manufacturing"),
            ("Meccanica Padana", "Manufacturing"),
            ("Arredi Fiorentini", "Furniture"),
        ),
        # Seven digits of the company, the office code 001 to 099, a check
        # digit.
        "IT#######0###",
    ),
    "ES": Locale(
        "EUR",
        ("es",),
        ("S.L.", "S.A."),
        (
            ("Madrid", "28013", "Comunidad de Madrid"),
            ("Barcelona", "08002", "Cataluña"),
            ("Valencia", "46002", "Comunidad Valenciana"),
            ("Sevilla", "41001", "Andalucía"),
        ),
        ("Calle Mayor", "Avenida de la Constitución", "Calle del Sol"),
        ("Lucía", "Javier", "Carmen", "Pablo", "Marta", "Alejandro"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Romero"),
        (
            ("Cerámicas Levante", "Manufacturing"),
            ("Aceites del Sur", "Food manufacturing"),
            ("Viajes Brisa Marina", "Tourism"),
            ("Construcciones Ibéricas", "Construction"),
        ),
        "ES@########",
    ),
    "AT": Locale(
        "EUR",
        ("de",),
        ("GmbH", "AG"),
        (
            ("Wien", "1010", "Wien"),
            ("Graz", "8010", "Steiermark"),
            ("Salzburg", "5020", "Salzburg"),
            ("Innsbruck", "6020", "Tirol"),
        ),
        ("Mariahilfer Straße", "Landstraße", "Herrengasse"),
        ("Johanna", "Lukas", "Theresa", "Florian", "Magdalena", "Stefan"),
        ("Gruber", "Huber", "Bauer", "Pichler", "Moser", "Hofer"),
        (
            ("Donau Reisen", "Tourism"),
            ("Tiroler Bergbahnen Service", "Tourism"),
            ("Steirische Kürbishof", "Agriculture"),
        ),
        "ATU########",
    ),
    "PT": Locale(
        "EUR",
        ("pt",),
        ("Lda.", "S.A."),
        (("Lisboa", "1100-148", "Lisboa"), ("Porto", "4000-322", "Porto")),
        ("Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina"),
        ("Inês", "João", "Beatriz", "Tiago", "Mariana"),
        ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira"),
        (
            ("Cortiça Atlântica", "Manufacturing"),
            ("Vinhos do Douro Alto", "Wine trade"),
        ),
        "PT#########",
    ),
    "IE": Locale(
        "EUR",
        ("en",),
        ("Ltd", "DAC"),
        (("Dublin", "D02 X285", "Leinster"), ("Cork", "T12 W8CX", "Munster")),
        ("Grafton Street", "Patrick Street", "Harcourt Road"),
        ("Aoife", "Cian", "Niamh", "Seán", "Ciara"),
        ("Murphy", "Kelly", "O'Sullivan", "Walsh", "Byrne"),
        (("Emerald Analytics", "Software"), ("Shannon Aviation Parts", "Aerospace")),
        "IE#######@",
    ),
    "LU": Locale(
        "EUR",
        ("fr",),
        ("S.à r.l.", "S.A."),
        (("Luxembourg", "L-1118", "Luxembourg"),),
        ("Boulevard Royal", "Grand-Rue"),
        ("Claire", "Marc", "Sophie", "Paul"),
        ("Schmit", "Muller", "Weber", "Hoffmann"),
        (("Mosel Fiduciaire", "Accounting"),),
        "LU########",
    ),
    "GB": Locale(
        "EUR",
        ("en",),
        ("Ltd", "plc"),
        (
            ("London", "EC1A 1BB", "Greater London"),
            ("Manchester", "M1 1AE", "Greater Manchester"),
        ),
        ("High Street", "Station Road", "Victoria Street"),
        ("Olivia", "Harry", "Amelia", "George", "Isla"),
        ("Smith", "Jones", "Taylor", "Brown", "Wilson"),
        (("Thames Valley Joinery", "Construction"), ("Pennine Outdoor Gear", "Retail")),
        "GB#########",
    ),
    "CH": Locale(
        "EUR",
        ("de",),
        ("AG", "GmbH"),
        (("Zürich", "8001", "Zürich"), ("Basel", "4051", "Basel-Stadt")),
        ("Bahnhofstrasse", "Seestrasse"),
        ("Lea", "Noah", "Mia", "Luca"),
        ("Meier", "Keller", "Brunner", "Frei"),
        (("Helvetia Uhrenwerk", "Watchmaking"),),
        "CHE#########MWST",
    ),
    "US": Locale(
        "USD",
        ("en",),
        ("Inc.", "LLC", "Corp."),
        (
            ("Austin", "78701", "TX"),
            ("Denver", "80202", "CO"),
            ("Portland", "97204", "OR"),
            ("Boston", "02108", "MA"),
            ("Chicago", "60601", "IL"),
        ),
        ("Main Street", "Market Street", "Oak Avenue", "Lakeshore Drive"),
        ("Emily", "Michael", "Sarah", "David", "Jessica", "Daniel", "Ashley"),
        ("Johnson", "Williams", "Miller", "Davis", "Garcia", "Anderson", "Thomas"),
        (
            ("Blue Ridge Outfitters", "Retail"),
            ("Lone Star Fabrication", "Manufacturing"),
            ("Cascade Coffee Roasters", "Food and beverage"),
            ("Harborview Dental Group", "Healthcare"),
            ("Prairie Wind Logistics", "Logistics"),
            ("Summit Peak Analytics", "Software"),
        ),
    ),
    "CA": Locale(
        "USD",
        ("en", "fr"),
        ("Inc.", "Ltd."),
        (("Toronto", "M5H 2N2", "ON"), ("Montréal", "H2Y 1C6", "QC")),
        ("King Street West", "rue Sainte-Catherine"),
        ("Olivia", "Liam", "Émilie", "Noah"),
        ("Tremblay", "Roy", "MacDonald", "Wilson"),
        (("Maple Leaf Robotics", "Manufacturing"), ("Laurentian Timber", "Forestry")),
    ),
}

JOB_TITLES = {
    "primary": ("Managing Director", "Chief Executive Officer", "Owner"),
    "billing": ("Finance Manager", "Accountant", "Chief Financial Officer"),
    "technical": ("IT Manager", "Head of IT", "Systems Administrator"),
    "support": ("Office Manager", "Operations Manager", "ERP Key User"),
}

TAGS = ("Partner referral", "Priority", "Multi-company", "Migrated from Odoo 16")
