// Common given names (English, Spanish, Portuguese, French, German, Italian, Dutch, Nordic, Slavic, Greek,
// Arabic, Turkish, South and East Asian, romanised), for the person-name detector's capitalised pairs. No
// name that is also an everyday capitalised word is listed (Will, May, June, Grace, Mark, Victoria, Jordan,
// Paris, Max, Ruby, Christian...): a pair of those is far more often a thing than a person.
const NAMES = `
Aaron Abdul Abigail Adam Adriana Adrian Agnieszka Ahmed Aisha Alan Albert Alberto Aleksandra Alessandro
Alessia Alex Alexander Alexandra Alexei Alfredo Alice Alicia Alison Amanda Amelia Amir Amy Ana Anastasia
Andrea Andreas Andrei Andrew Andrzej Angela Anita Anja Anna Anne Annika Antoine Anton Antonio Arjun Arthur
Astrid Barbara Beatriz Benjamin Bernard Bianca Bjorn Boris Brandon Brian Bruno Camille Carla Carlos Carmen
Caroline Catarina Catherine Charles Charlotte Chiara Chloe Christina Christine Christopher Claire
Clara Claudia Colin Cristina Daniel Daniela Daniele David Deborah Dennis Diana Diego Dimitri Dmitri Dominic
Dorothy Eduardo Elena Eleni Elif Elizabeth Ella Ellen Emily Emma Emre Enrique Eric Erik Ethan Eva Fabio
Fatima Federico Felipe Felix Fernando Francesca Francesco Francisco Franz Freya Gabriel Gabriela George
Georgios Gerhard Giovanni Giulia Giuseppe Gregory Guillaume Gustavo Hannah Hans Harry Hassan Heinrich
Helen Helena Henrik Henry Hiroshi Hugo Ibrahim Ines Ingrid Irene Isabel Isabella Ivan Jacob Jakub James
Jamie Jan Jana Jane Janet Jason Javier Jennifer Jens Jessica Joanna Joao Johan Johanna John Jonathan Jorge
Jose Josef Joseph Joshua Juan Julia Julian Julie Jurgen Karen Karim Karin Karl Katarzyna Katharina
Katherine Kathleen Kenji Kevin Khalid Klaus Krzysztof Lars Laura Lauren Laurent Leila Lena Leon
Leonardo Liam Linda Lisa Lorenzo Louis Louise Lucas Lucia Luis Luisa Lukas Magdalena Mahmoud Manuel
Marco Marcus Margaret Marguerite Maria Mariana Marie Marina Mario Markus Marta Martin Martina Mary Mateo
Matteo Matthew Matthias Mehmet Mei Melanie Mia Michael Michel Michelle Miguel Mikhail Mohamed Mohammed
Monica Nadia Natalia Natasha Nathan Nicholas Nicola Nicolas Nikolai Nina Noah Nora Olga Olivia Oliver
Omar Oscar Pablo Patricia Patrick Paul Paula Pedro Peter Petra Philip Philippe Pierre Piotr Pooja Priya
Rafael Rahul Rajesh Ramon Raphael Rebecca Ricardo Richard Robert Roberto Rodrigo Samuel Sandra Santiago
Sara Sarah Sebastian Sergei Sergio Simon Simone Sofia Sophie Stefan Stefano Stephanie Stephen Steven
Susan Sven Sylvie Takeshi Tatiana Teresa Thomas Timothy Tomasz Tomas Valentina Vanessa Vera Victor
Vikram Vincent Wei Wolfgang Xavier Yannick Yasmin Yuki Yusuf Zainab Zoe
Aarav Ali Amara Ananya Andreea Arash Bogdan Chidi Dan Dariusz Eero Ewa Finn Haruto Hamza Hao Hiroko Ioana
Jia Jim Joe Jonas Kofi Kwame Layla Lea Leonie Linh Mateusz Mats Mihai Ming Minh Ngozi Noor Reza Sakura Sam
Sanna Sipho Thabo Tom Zara Zofia
`;

export const GIVEN_NAMES: ReadonlySet<string> = new Set(NAMES.split(/\s+/).filter((name) => name !== ''));
