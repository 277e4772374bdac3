// hash_test.cpp — hash commands against replies captured from Redis 7.0.15, the
// listpack -> hashtable conversion, HRANDFIELD's random shapes and HSCAN's guarantee across
// resizes.
#include <set>

#include "server_test_util.hpp"
#include "t_hash.hpp"

namespace gorodis::testing {
namespace {

using namespace std::string_literals;

// Captured from redis-server 7.0.15 (RESP2), replayed in order on a fresh server: every
// command, its options and errors, WRONGTYPE, and keys deleted with their last field.
const Exchange kHashExchanges[] = {
    {{"hset"s, "h"s, "f1"s, "v1"s}, ":1\r\n"s},
    {{"hset"s, "h"s, "f1"s, "v1b"s, "f2"s, "v2"s}, ":1\r\n"s},
    {{"hget"s, "h"s, "f1"s}, "$3\r\nv1b\r\n"s},
    {{"hget"s, "h"s, "nofield"s}, "$-1\r\n"s},
    {{"hget"s, "nokey"s, "f"s}, "$-1\r\n"s},
    {{"hset"s, "h"s}, "-ERR wrong number of arguments for 'hset' command\r\n"s},
    {{"hset"s, "h"s, "f"s}, "-ERR wrong number of arguments for 'hset' command\r\n"s},
    {{"hset"s, "h"s, "f"s, "v"s, "g"s}, "-ERR wrong number of arguments for 'hset' command\r\n"s},
    {{"hmset"s, "h"s, "a"s}, "-ERR wrong number of arguments for 'hmset' command\r\n"s},
    {{"hmset"s, "h"s, "f3"s, "v3"s, "f4"s, "4"s}, "+OK\r\n"s},
    {{"hlen"s, "h"s}, ":4\r\n"s},
    {{"hlen"s, "nokey"s}, ":0\r\n"s},
    {{"object"s, "encoding"s, "h"s}, "$8\r\nlistpack\r\n"s},
    {{"hmget"s, "h"s, "f1"s, "nope"s, "f4"s}, "*3\r\n$3\r\nv1b\r\n$-1\r\n$1\r\n4\r\n"s},
    {{"hmget"s, "nokey"s, "a"s, "b"s}, "*2\r\n$-1\r\n$-1\r\n"s},
    {{"hmget"s, "h"s}, "-ERR wrong number of arguments for 'hmget' command\r\n"s},
    {{"hexists"s, "h"s, "f2"s}, ":1\r\n"s},
    {{"hexists"s, "h"s, "zz"s}, ":0\r\n"s},
    {{"hexists"s, "nokey"s, "f"s}, ":0\r\n"s},
    {{"hstrlen"s, "h"s, "f1"s}, ":3\r\n"s},
    {{"hstrlen"s, "h"s, "f4"s}, ":1\r\n"s},
    {{"hstrlen"s, "h"s, "zz"s}, ":0\r\n"s},
    {{"hstrlen"s, "nokey"s, "zz"s}, ":0\r\n"s},
    {{"hsetnx"s, "h"s, "f1"s, "x"s}, ":0\r\n"s},
    {{"hsetnx"s, "h"s, "f5"s, "5"s}, ":1\r\n"s},
    {{"hsetnx"s, "h"s, "f5"s}, "-ERR wrong number of arguments for 'hsetnx' command\r\n"s},
    {{"hsetnx"s, "new"s, "a"s, "1"s}, ":1\r\n"s},
    {{"hgetall"s, "new"s}, "*2\r\n$1\r\na\r\n$1\r\n1\r\n"s},
    {{"hkeys"s, "h"s}, "*5\r\n$2\r\nf1\r\n$2\r\nf2\r\n$2\r\nf3\r\n$2\r\nf4\r\n$2\r\nf5\r\n"s},
    {{"hvals"s, "h"s}, "*5\r\n$3\r\nv1b\r\n$2\r\nv2\r\n$2\r\nv3\r\n$1\r\n4\r\n$1\r\n5\r\n"s},
    {{"hgetall"s, "h"s},
     "*10\r\n$2\r\nf1\r\n$3\r\nv1b\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n$2\r\nf4\r\n$1\r\n4\r\n$2\r\nf5\r\n$1\r\n5\r\n"s},
    {{"hkeys"s, "nokey"s}, "*0\r\n"s},
    {{"hvals"s, "nokey"s}, "*0\r\n"s},
    {{"hgetall"s, "nokey"s}, "*0\r\n"s},
    {{"hincrby"s, "h"s, "f4"s, "10"s}, ":14\r\n"s},
    {{"hincrby"s, "h"s, "f4"s, "-20"s}, ":-6\r\n"s},
    {{"hincrby"s, "h"s, "f1"s, "1"s}, "-ERR hash value is not an integer\r\n"s},
    {{"hincrby"s, "h"s, "cnt"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"hincrby"s, "h"s, "cnt"s, "1.5"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"hincrby"s, "h"s, "cnt"s, ""s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"hincrby"s, "h"s, "cnt"s, "9223372036854775807"s}, ":9223372036854775807\r\n"s},
    {{"hincrby"s, "h"s, "cnt"s, "1"s}, "-ERR increment or decrement would overflow\r\n"s},
    {{"hincrby"s, "h"s, "cnt"s, "-1"s}, ":9223372036854775806\r\n"s},
    {{"hset"s, "h"s, "neg"s, "-9223372036854775808"s}, ":1\r\n"s},
    {{"hincrby"s, "h"s, "neg"s, "-1"s}, "-ERR increment or decrement would overflow\r\n"s},
    {{"hincrby"s, "h"s, "neg"s, "0"s}, ":-9223372036854775808\r\n"s},
    {{"hset"s, "h"s, "zero"s, "007"s}, ":1\r\n"s},
    {{"hincrby"s, "h"s, "zero"s, "1"s}, "-ERR hash value is not an integer\r\n"s},
    {{"hincrby"s, "fresh"s, "c"s, "5"s}, ":5\r\n"s},
    {{"hgetall"s, "fresh"s}, "*2\r\n$1\r\nc\r\n$1\r\n5\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "1.5"s}, "$3\r\n1.5\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "0.1"s}, "$3\r\n1.6\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "1e3"s}, "$22\r\n1001.59999999999999998\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "-1001.6"s}, "$1\r\n0\r\n"s},
    {{"hget"s, "h"s, "fl"s}, "$1\r\n0\r\n"s},
    {{"hincrbyfloat"s, "h"s, "f4"s, "1"s}, "$2\r\n-5\r\n"s},
    {{"hincrbyfloat"s, "h"s, "f4"s, "0.25"s}, "$5\r\n-4.75\r\n"s},
    {{"hincrbyfloat"s, "h"s, "f1"s, "1"s}, "-ERR hash value is not a float\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "abc"s}, "-ERR value is not a valid float\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "inf"s}, "-ERR value is NaN or Infinity\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "-inf"s}, "-ERR value is NaN or Infinity\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "nan"s}, "-ERR value is not a valid float\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, " 1"s}, "-ERR value is not a valid float\r\n"s},
    {{"hset"s, "h"s, "big"s, "1e4932"s}, ":1\r\n"s},
    {{"hincrbyfloat"s, "h"s, "big"s, "1"s},
     "$4933\r\n1000000000000000000006018949387963891323837774254533114773785041352533019486608722407533327779433142773666525563666277682061860906440460336623416164931097542108653623739947237824273607755646282077337746770628281083461244709457643633409272844851420914666765408339856497738306756454137037618440476182982865954054046320908299555942321302503320602080070208203623921079151881460203745014774931620490030394998719312614654064081373493248877120892455186383753439197870978041502797716880193955403107721911638646256939484197293128160329482360996995779489224859264034146949087194820794222433687849284561987230134006305414553626323614864479565079390052761980633463640128979696615362545507608303960553830866145592644372289102918602696741767741297153998359263135897985849697638678310586803720024647593066044070323761747439375151949994191528876172274034561238465689530914002496208547488452249219821049217690359246594326188537200846025476936856707726986425804304053688317572380292690880454677852210458790733177421098965346383845533016192965653377533421097553773202105452559589360227732550843545717469715211293029277100649951579279463212875228768700827274629951331584994203243708412190948315614798641721054158397351395747758548328754270534225721361640356227816080094892433366902417454242382629232277544026609640255325557814321580325340352330660617642326696140257239552549121071985189443846777623334881929189773707008403466595204838733621633273383631944856989484138444978386656058755310848833689791896484998847550364264104800800578245511762594691161545730891319744107953897993101008217601269310629890308357893793344340072837782716410520818640099771094401772024731084835860689936533035726854175396195351768096519310944631445923638053214575993378468775292865871435742249777979822775014324475845899615096380079899099538453121043851821349178371736640702645304284254885437611441690360616466368202194307769462209963387690446576691969551571041941288302648912827345194286271122230347823246073498285153708579500062656222714954113329293953346495615947784091175883554988117167387650681525781361864450364992605079129770604793291076559668041153558254765774288831330658676910296506538343982699076824147706077401185501337053676875440863113630172067902223837838525802181406003942606507609826320015193807633035586661539150425605940691768637845815434184585255915074081317250319572700370579877977177644345205933505850374212779064837146242765034714569464306865784829936445754893825213995710137567750342556762329137973387913047300554841737506800154984198686923965286147079273203561004647365286049876790788288301130050437207489067798842078443360167772245834103629301041345252122743437501935254370757049878526838283810705343010153283985958550741661374001212323172562230037290597675029278865489570268803618001520280748588481858632332145422181524500970533738858652881625738158955840469334830106366243262210429210258173978186522208306814207038831590332622155464159216193005478809313772661406449321989529908990407599717265354887081027622412165764793106246309910984757869627982700885055259900973567128498437782671492610351088858271463387495833021819318548705558606395846070390500323204636339383655528123657438115225035433947543876805317781492691295772410403746456774175666884503175504415270824258750305653788473882671038340481278188648013647450190431469737277008003041204693859153544058059108384516541261521127088116402349679151317227395183628490922161336429757386698401928682323657056924758648793848799822907606679071280964393541325129231682456669123450140879120137931548652537601508656209183486928384515842973760163601756230697826779237275078471824258664382133759876151537532598429521999758431018087001817485300919479583171049967781322202936864648780744025361452947117776701129210049872555316467204668470989130203733391349501708713181244068921199587314823974568234174792429139799088587794666528769986602820375968045445209219875596678877912103336949894142378173648692130854177898020194629670311101994938157038765957014792056173739623614871557317714453597336202068774935086409386414223375141765601758268418764114651053088281009248246110195084364468926837572992870110411414878770616397817334529367403238061699632089293543118185299881280463481800696201966723511922556078483839325067415562633057448408746541808590342228476964416681055875561781810005936328191844815915658719683522845979901018335050006246392027657149580332319739660376707180429166280658258434773362764563277134220525779869893832824866422909928484939374964071386248088592408142723646533801882861736205992781965360090000802821408763787641023437653119263757280212773694655213507075717622521160227187157631635583682130089364682543007292042009976150135189415923413244100006421082817394988300265734422677548100741829682842668334472314928702968616204691717366798642916146473018363370523427203416579250811577900985980957404830019403600361860520985937973506956557739754741783354728589350876379371163141086538418113791886622720\r\n"s},
    {{"hset"s, "h"s, "huge"s, "1.1e4932"s}, ":1\r\n"s},
    {{"hincrbyfloat"s, "h"s, "huge"s, "1e4932"s},
     "-ERR increment would produce NaN or Infinity\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "3.0e3"s}, "$4\r\n3000\r\n"s},
    {{"hincrbyfloat"s, "h"s, "fl"s, "5.0000000000000001"s}, "$4\r\n3005\r\n"s},
    {{"hset"s, "h"s, "sp"s, " 1"s}, ":1\r\n"s},
    {{"hincrbyfloat"s, "h"s, "sp"s, "1"s}, "-ERR hash value is not a float\r\n"s},
    {{"hincrbyfloat"s, "h"s, "i"s, "10"s}, "$2\r\n10\r\n"s},
    {{"hincrbyfloat"s, "h"s, "i"s, "-10"s}, "$1\r\n0\r\n"s},
    {{"hget"s, "h"s, "i"s}, "$1\r\n0\r\n"s},
    {{"hset"s, "q"s, "a"s, "inf"s}, ":1\r\n"s},
    {{"hincrbyfloat"s, "q"s, "a"s, "1"s}, "-ERR increment would produce NaN or Infinity\r\n"s},
    {{"hset"s, "q"s, "d"s, "0x10"s}, ":1\r\n"s},
    {{"hincrbyfloat"s, "q"s, "d"s, "1"s}, "$2\r\n17\r\n"s},
    {{"hset"s, "q"s, "e"s, "1e-400"s}, ":1\r\n"s},
    {{"hincrbyfloat"s, "q"s, "e"s, "1"s}, "$1\r\n1\r\n"s},
    {{"hset"s, "q"s, "f"s, "17179869184"s}, ":1\r\n"s},
    {{"hincrbyfloat"s, "q"s, "f"s, "0.5"s}, "$13\r\n17179869184.5\r\n"s},
    {{"hincrbyfloat"s, "q"s, "g"s, "1.5e-5"s}, "$8\r\n0.000015\r\n"s},
    {{"hincrbyfloat"s, "q"s, "g"s, "10e300"s},
     "$301\r\n9999999999999999999944756745827058436478866151897956252807282444144356225819644136922169191036684232299483381873627479746750893941710697314672507014822241764846823057482655807766724304938612914582551059613319667147595179746825145408072765311550018815317024577580682864752728831227394652762455205216256\r\n"s},
    {{"hincrby"s, "q"s, "f"s, "9223372036837998592"s}, "-ERR hash value is not an integer\r\n"s},
    {{"hincrbyfloat"s, "nf"s, "x"s, "2.5"s}, "$3\r\n2.5\r\n"s},
    {{"hincrbyfloat"s, "nf2"s, "x"s, "inf"s}, "-ERR value is NaN or Infinity\r\n"s},
    {{"exists"s, "nf2"s}, ":0\r\n"s},
    {{"hdel"s, "h"s, "f1"s, "f2"s, "nope"s}, ":2\r\n"s},
    {{"hdel"s, "h"s, "nope"s}, ":0\r\n"s},
    {{"hdel"s, "nokey"s, "a"s}, ":0\r\n"s},
    {{"hlen"s, "h"s}, ":11\r\n"s},
    {{"hset"s, "d"s, "a"s, "1"s, "b"s, "2"s}, ":2\r\n"s},
    {{"hdel"s, "d"s, "a"s, "b"s, "c"s}, ":2\r\n"s},
    {{"exists"s, "d"s}, ":0\r\n"s},
    {{"hset"s, "d"s, "a"s, "1"s}, ":1\r\n"s},
    {{"hdel"s, "d"s, "a"s}, ":1\r\n"s},
    {{"exists"s, "d"s}, ":0\r\n"s},
    {{"hdel"s, "d"s}, "-ERR wrong number of arguments for 'hdel' command\r\n"s},
    {{"set"s, "s"s, "str"s}, "+OK\r\n"s},
    {{"hset"s, "s"s, "a"s, "b"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hsetnx"s, "s"s, "a"s, "b"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hget"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hmget"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hmset"s, "s"s, "a"s, "b"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hdel"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hlen"s, "s"s}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hexists"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hstrlen"s, "s"s, "a"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hkeys"s, "s"s}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hvals"s, "s"s}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hgetall"s, "s"s}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hincrby"s, "s"s, "a"s, "1"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hincrby"s, "s"s, "a"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"hincrbyfloat"s, "s"s, "a"s, "1"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hrandfield"s, "s"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hrandfield"s, "s"s, "1"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hrandfield"s, "s"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"hscan"s, "s"s, "0"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"hscan"s, "s"s, "x"s}, "-ERR invalid cursor\r\n"s},
    {{"hscan"s, "s"s, "0"s, "bad"s},
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"get"s, "h"s}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"s},
    {{"type"s, "h"s}, "+hash\r\n"s},
    {{"hset"s, "r"s, "a"s, "1"s, "b"s, "2"s, "c"s, "3"s}, ":3\r\n"s},
    {{"hrandfield"s, "r"s, "3"s}, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"s},
    {{"hrandfield"s, "r"s, "5"s}, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"s},
    {{"hrandfield"s, "r"s, "3"s, "withvalues"s},
     "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"hrandfield"s, "r"s, "10"s, "WITHVALUES"s},
     "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"hrandfield"s, "r"s, "0"s}, "*0\r\n"s},
    {{"hrandfield"s, "r"s, "0"s, "withvalues"s}, "*0\r\n"s},
    {{"hrandfield"s, "nokey"s}, "$-1\r\n"s},
    {{"hrandfield"s, "nokey"s, "5"s}, "*0\r\n"s},
    {{"hrandfield"s, "nokey"s, "-5"s, "withvalues"s}, "*0\r\n"s},
    {{"hrandfield"s, "r"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"hrandfield"s, "r"s, "1"s, "withvalue"s}, "-ERR syntax error\r\n"s},
    {{"hrandfield"s, "r"s, "1"s, "withvalues"s, "x"s}, "-ERR syntax error\r\n"s},
    {{"hrandfield"s, "r"s, "-9223372036854775808"s},
     "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"s},
    {{"hrandfield"s, "r"s, "9223372036854775807"s, "withvalues"s},
     "-ERR value is out of range\r\n"s},
    {{"hrandfield"s, "r"s, "-4611686018427387904"s, "withvalues"s},
     "-ERR value is out of range\r\n"s},
    {{"hrandfield"s, "r"s, "4611686018427387904"s}, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"s},
    {{"hset"s, "one"s, "only"s, "v"s}, ":1\r\n"s},
    {{"hrandfield"s, "one"s}, "$4\r\nonly\r\n"s},
    {{"hrandfield"s, "one"s, "-3"s}, "*3\r\n$4\r\nonly\r\n$4\r\nonly\r\n$4\r\nonly\r\n"s},
    {{"hrandfield"s, "one"s, "-2"s, "withvalues"s},
     "*4\r\n$4\r\nonly\r\n$1\r\nv\r\n$4\r\nonly\r\n$1\r\nv\r\n"s},
    {{"hrandfield"s, "one"s, "1"s, "withvalues"s}, "*2\r\n$4\r\nonly\r\n$1\r\nv\r\n"s},
    {{"hscan"s, "r"s, "0"s},
     "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"hscan"s, "r"s, "0"s, "match"s, "a*"s}, "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"s},
    {{"hscan"s, "r"s, "0"s, "match"s, "*"s},
     "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"hscan"s, "r"s, "0"s, "count"s, "1"s},
     "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"hscan"s, "r"s, "0"s, "count"s, "0"s}, "-ERR syntax error\r\n"s},
    {{"hscan"s, "r"s, "0"s, "count"s, "x"s}, "-ERR value is not an integer or out of range\r\n"s},
    {{"hscan"s, "r"s, "0"s, "count"s}, "-ERR syntax error\r\n"s},
    {{"hscan"s, "r"s, "0"s, "type"s, "string"s}, "-ERR syntax error\r\n"s},
    {{"hscan"s, "r"s, "x"s}, "-ERR invalid cursor\r\n"s},
    {{"hscan"s, "r"s, "-1"s},
     "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"hscan"s, "r"s, "18446744073709551615"s},
     "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"hscan"s, "r"s, "18446744073709551616"s}, "-ERR invalid cursor\r\n"s},
    {{"hscan"s, "nokey"s, "0"s}, "*2\r\n$1\r\n0\r\n*0\r\n"s},
    {{"hscan"s, "nokey"s, "0"s, "bad"s}, "*2\r\n$1\r\n0\r\n*0\r\n"s},
    {{"hscan"s, "r"s, "7"s, "MATCH"s, "[bc]"s, "COUNT"s, "100"s},
     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"s},
    {{"hset"s, "ints"s, "1"s, "2"s, "-3"s, "4"s}, ":2\r\n"s},
    {{"hgetall"s, "ints"s}, "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n-3\r\n$1\r\n4\r\n"s},
    {{"hscan"s, "ints"s, "0"s, "match"s, "-*"s}, "*2\r\n$1\r\n0\r\n*2\r\n$2\r\n-3\r\n$1\r\n4\r\n"s},
    {{"hget"s, "ints"s, "1"s}, "$1\r\n2\r\n"s},
    {{"hexists"s, "ints"s, "01"s}, ":0\r\n"s},
    {{"hstrlen"s, "ints"s, "-3"s}, ":1\r\n"s},
    {{"hset"s, "e"s, ""s, ""s}, ":1\r\n"s},
    {{"hget"s, "e"s, ""s}, "$0\r\n\r\n"s},
    {{"hstrlen"s, "e"s, ""s}, ":0\r\n"s},
    {{"hgetall"s, "e"s}, "*2\r\n$0\r\n\r\n$0\r\n\r\n"s},
    {{"hget"s, "h"s}, "-ERR wrong number of arguments for 'hget' command\r\n"s},
    {{"hlen"s, "h"s, "x"s}, "-ERR wrong number of arguments for 'hlen' command\r\n"s},
    {{"hgetall"s}, "-ERR wrong number of arguments for 'hgetall' command\r\n"s},
    {{"hincrby"s, "h"s, "a"s}, "-ERR wrong number of arguments for 'hincrby' command\r\n"s},
    {{"hscan"s, "h"s}, "-ERR wrong number of arguments for 'hscan' command\r\n"s},
};

// listpack -> hashtable by field count and by field/value length (HSET, HSETNX, HINCRBY,
// HINCRBYFLOAT), the hash-max-listpack-* settings and their ziplist aliases, MEMORY USAGE of
// both encodings. Captured from redis-server 7.0.15.
const Exchange kConversionExchanges[] = {
    {{"config"s, "set"s, "hash-max-listpack-entries"s, "4"s}, "+OK\r\n"s},
    {{"hset"s, "c"s, "a"s, "1"s, "b"s, "2"s, "c"s, "3"s, "d"s, "4"s}, ":4\r\n"s},
    {{"object"s, "encoding"s, "c"s}, "$8\r\nlistpack\r\n"s},
    {{"hset"s, "c"s, "e"s, "5"s}, ":1\r\n"s},
    {{"object"s, "encoding"s, "c"s}, "$9\r\nhashtable\r\n"s},
    {{"hdel"s, "c"s, "a"s, "b"s, "c"s, "d"s}, ":4\r\n"s},
    {{"object"s, "encoding"s, "c"s}, "$9\r\nhashtable\r\n"s},
    {{"hgetall"s, "c"s}, "*2\r\n$1\r\ne\r\n$1\r\n5\r\n"s},
    {{"hset"s, "c2"s, "a"s, "1"s, "b"s, "2"s, "c"s, "3"s, "d"s, "4"s, "e"s, "5"s}, ":5\r\n"s},
    {{"object"s, "encoding"s, "c2"s}, "$9\r\nhashtable\r\n"s},
    {{"hlen"s, "c2"s}, ":5\r\n"s},
    {{"hset"s, "c3"s, "a"s, "1"s, "b"s, "2"s, "c"s, "3"s, "d"s, "4"s}, ":4\r\n"s},
    {{"hset"s, "c3"s, "a"s, "x"s}, ":0\r\n"s},
    {{"object"s, "encoding"s, "c3"s}, "$8\r\nlistpack\r\n"s},
    {{"hincrby"s, "c3"s, "n"s, "1"s}, ":1\r\n"s},
    {{"object"s, "encoding"s, "c3"s}, "$9\r\nhashtable\r\n"s},
    {{"hset"s, "c4"s, "a"s, "1"s, "b"s, "2"s, "c"s, "3"s, "d"s, "4"s}, ":4\r\n"s},
    {{"hsetnx"s, "c4"s, "e"s, "5"s}, ":1\r\n"s},
    {{"object"s, "encoding"s, "c4"s}, "$9\r\nhashtable\r\n"s},
    {{"config"s, "set"s, "hash-max-listpack-entries"s, "512"s}, "+OK\r\n"s},
    {{"hset"s, "v"s, "a"s, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"s},
     ":1\r\n"s},
    {{"object"s, "encoding"s, "v"s}, "$8\r\nlistpack\r\n"s},
    {{"hset"s, "v"s, "b"s, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"s},
     ":1\r\n"s},
    {{"object"s, "encoding"s, "v"s}, "$9\r\nhashtable\r\n"s},
    {{"hget"s, "v"s, "b"s},
     "$65\r\nyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n"s},
    {{"hset"s, "v"s, "c"s, "1"s}, ":1\r\n"s},
    {{"object"s, "encoding"s, "v"s}, "$9\r\nhashtable\r\n"s},
    {{"hset"s, "v2"s, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"s, "1"s},
     ":1\r\n"s},
    {{"object"s, "encoding"s, "v2"s}, "$9\r\nhashtable\r\n"s},
    {{"hset"s, "v3"s, "a"s, "1"s}, ":1\r\n"s},
    {{"hset"s, "v3"s, "a"s, "1"s, "b"s, "2"s,
      "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"s, "1"s},
     ":2\r\n"s},
    {{"object"s, "encoding"s, "v3"s}, "$9\r\nhashtable\r\n"s},
    {{"hset"s, "v4"s, "a"s, "1"s}, ":1\r\n"s},
    {{"hsetnx"s, "v4"s, "a"s, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"s},
     ":0\r\n"s},
    {{"object"s, "encoding"s, "v4"s}, "$8\r\nlistpack\r\n"s},
    {{"hsetnx"s, "v4"s, "b"s, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"s},
     ":1\r\n"s},
    {{"object"s, "encoding"s, "v4"s}, "$9\r\nhashtable\r\n"s},
    {{"hset"s, "v5"s, "a"s, "1"s}, ":1\r\n"s},
    {{"hincrby"s, "v5"s, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"s,
      "1"s},
     ":1\r\n"s},
    {{"object"s, "encoding"s, "v5"s}, "$9\r\nhashtable\r\n"s},
    {{"config"s, "set"s, "hash-max-listpack-value"s, "5"s}, "+OK\r\n"s},
    {{"hset"s, "v6"s, "a"s, "1"s}, ":1\r\n"s},
    {{"hincrbyfloat"s, "v6"s, "a"s, "1.123456"s}, "$8\r\n2.123456\r\n"s},
    {{"object"s, "encoding"s, "v6"s}, "$9\r\nhashtable\r\n"s},
    {{"hset"s, "v7"s, "a"s, "1"s}, ":1\r\n"s},
    {{"hincrby"s, "v7"s, "a"s, "1234567890"s}, ":1234567891\r\n"s},
    {{"object"s, "encoding"s, "v7"s}, "$9\r\nhashtable\r\n"s},
    {{"hset"s, "v8"s, "a"s, "123456789"s}, ":1\r\n"s},
    {{"object"s, "encoding"s, "v8"s}, "$9\r\nhashtable\r\n"s},
    {{"config"s, "set"s, "hash-max-ziplist-value"s, "64"s}, "+OK\r\n"s},
    {{"config"s, "get"s, "hash-max-ziplist-value"s},
     "*2\r\n$22\r\nhash-max-ziplist-value\r\n$2\r\n64\r\n"s},
    {{"config"s, "get"s, "hash-max-listpack-value"s},
     "*2\r\n$23\r\nhash-max-listpack-value\r\n$2\r\n64\r\n"s},
    {{"config"s, "set"s, "hash-max-ziplist-entries"s, "7"s}, "+OK\r\n"s},
    {{"config"s, "get"s, "hash-max-listpack-entries"s},
     "*2\r\n$25\r\nhash-max-listpack-entries\r\n$1\r\n7\r\n"s},
    {{"config"s, "set"s, "hash-max-listpack-entries"s, "-1"s},
     "-ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - argument must be between 0 and 9223372036854775807 inclusive\r\n"s},
    {{"config"s, "set"s, "hash-max-listpack-value"s, "-1"s},
     "-ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be a memory value\r\n"s},
    {{"config"s, "set"s, "hash-max-listpack-value"s, "1kb"s}, "+OK\r\n"s},
    {{"config"s, "get"s, "hash-max-listpack-value"s},
     "*2\r\n$23\r\nhash-max-listpack-value\r\n$4\r\n1024\r\n"s},
    {{"config"s, "set"s, "hash-max-listpack-value"s, "64"s}, "+OK\r\n"s},
    {{"config"s, "set"s, "hash-max-listpack-entries"s, "512"s}, "+OK\r\n"s},
    {{"config"s, "get"s, "hash-max-listpack-entries"s},
     "*2\r\n$25\r\nhash-max-listpack-entries\r\n$3\r\n512\r\n"s},
    {{"hset"s, "m"s, "a"s, "1"s, "b"s, "2"s}, ":2\r\n"s},
    {{"memory"s, "usage"s, "m"s}, ":80\r\n"s},
    {{"hset"s, "m2"s, "field:1"s, "value:1"s, "field:2"s, "value:2"s, "field:3"s, "value:3"s},
     ":3\r\n"s},
    {{"memory"s, "usage"s, "m2"s}, ":112\r\n"s},
    {{"hset"s, "m3"s, "a"s, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"s,
      "b"s, "2"s},
     ":2\r\n"s},
    {{"memory"s, "usage"s, "m3"s}, ":288\r\n"s},
    {{"memory"s, "usage"s, "m3"s, "samples"s, "0"s}, ":288\r\n"s},
    {{"hdel"s, "m3"s, "a"s}, ":1\r\n"s},
    {{"memory"s, "usage"s, "m3"s}, ":176\r\n"s},
    {{"object"s, "encoding"s, "m3"s}, "$9\r\nhashtable\r\n"s},
};

// RESP3 shapes (after HELLO 3): HGETALL maps, HRANDFIELD WITHVALUES pairs, nulls. Captured
// from redis-server 7.0.15.
const Exchange kResp3Exchanges[] = {
    {{"hset"s, "h"s, "a"s, "1"s, "b"s, "x"s}, ":2\r\n"s},
    {{"hgetall"s, "h"s}, "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\nx\r\n"s},
    {{"hgetall"s, "nokey"s}, "%0\r\n"s},
    {{"hkeys"s, "nokey"s}, "*0\r\n"s},
    {{"hmget"s, "h"s, "a"s, "no"s}, "*2\r\n$1\r\n1\r\n_\r\n"s},
    {{"hget"s, "h"s, "no"s}, "_\r\n"s},
    {{"hrandfield"s, "h"s, "5"s, "withvalues"s},
     "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\nx\r\n"s},
    {{"hrandfield"s, "h"s, "5"s}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"s},
    {{"hrandfield"s, "h"s, "0"s, "withvalues"s}, "*0\r\n"s},
    {{"hrandfield"s, "nokey"s}, "_\r\n"s},
    {{"hrandfield"s, "nokey"s, "1"s, "withvalues"s}, "*0\r\n"s},
    {{"hset"s, "o"s, "k"s, "v"s}, ":1\r\n"s},
    {{"hrandfield"s, "o"s, "-2"s, "withvalues"s},
     "*2\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n"s},
    {{"hrandfield"s, "o"s, "1"s, "withvalues"s}, "*1\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n"s},
    {{"hscan"s, "h"s, "0"s},
     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\nx\r\n"s},
    {{"hscan"s, "nokey"s, "0"s}, "*2\r\n$1\r\n0\r\n*0\r\n"s},
    {{"hincrbyfloat"s, "h"s, "a"s, "0.5"s}, "$3\r\n1.5\r\n"s},
    {{"hgetall"s, "h"s}, "%2\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\nx\r\n"s},
};

TEST(HashTest, RepliesMatchRedis) {
  TestServer server;
  server.replay(kHashExchanges);
}

TEST(HashTest, ConversionsMatchRedis) {
  TestServer server;
  server.replay(kConversionExchanges);
}

TEST(HashTest, Resp3RepliesMatchRedis) {
  TestServer server;
  server.client().protocol = 3;
  server.replay(kResp3Exchanges);
}

std::vector<std::string> field_arguments(std::string_view key, int first, int count) {
  std::vector<std::string> command = {"hset", std::string(key)};
  for (int i = first; i < first + count; ++i) {
    command.push_back("field:" + std::to_string(i));
    command.push_back("value:" + std::to_string(i));
  }
  return command;
}

// hash-max-listpack-entries is 512 by default in Redis 7.0; sizes captured from 7.0.15.
TEST(HashTest, ConvertsAfterTheDefaultFieldLimit) {
  TestServer server;
  EXPECT_EQ(server.run(field_arguments("big", 0, 512)), ":512\r\n");
  EXPECT_EQ(server.run({"object", "encoding", "big"}), "$8\r\nlistpack\r\n");
  EXPECT_EQ(server.run({"memory", "usage", "big"}), ":12336\r\n");
  EXPECT_EQ(server.run({"hset", "big", "field:512", "v"}), ":1\r\n");
  EXPECT_EQ(server.run({"object", "encoding", "big"}), "$9\r\nhashtable\r\n");
  EXPECT_EQ(server.run({"memory", "usage", "big", "samples", "0"}), ":37016\r\n");
  EXPECT_EQ(server.run({"hget", "big", "field:100"}), "$9\r\nvalue:100\r\n");
  EXPECT_EQ(server.run({"hlen", "big"}), ":513\r\n");

  EXPECT_EQ(server.run(field_arguments("big2", 0, 513)), ":513\r\n");
  EXPECT_EQ(server.run({"memory", "usage", "big2", "samples", "0"}), ":37024\r\n");
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(server.run({"hdel", "big2", "field:" + std::to_string(i)}), ":1\r\n");
  }
  // Shrunk like Redis's dict after the deletions; never back to a listpack.
  EXPECT_EQ(server.run({"memory", "usage", "big2", "samples", "0"}), ":10048\r\n");
  EXPECT_EQ(server.run({"object", "encoding", "big2"}), "$9\r\nhashtable\r\n");
  EXPECT_EQ(server.run({"hgetall", "big2"}).substr(0, 5), "*26\r\n");
}

TEST(HashTest, CopyKeepsFieldsAndEncoding) {
  TestServer server;
  server.run(field_arguments("small", 0, 3));
  server.run(field_arguments("large", 0, 600));
  for (std::string key : {"small", "large"}) {
    EXPECT_EQ(server.run({"copy", key, key + ":copy"}), ":1\r\n");
    EXPECT_EQ(server.run({"object", "encoding", key + ":copy"}),
              server.run({"object", "encoding", key}));
    EXPECT_EQ(server.run({"hset", key, "field:1", "changed"}), ":0\r\n");
    EXPECT_EQ(server.run({"hget", key + ":copy", "field:1"}), "$7\r\nvalue:1\r\n");
    EXPECT_EQ(server.run({"hlen", key + ":copy"}), server.run({"hlen", key}));
  }
}

// A minimal reader for the array replies HRANDFIELD and HSCAN give (RESP2, bulk strings).
class ReplyReader {
 public:
  explicit ReplyReader(std::string reply) : reply_(std::move(reply)) {}
  long long header(char type) {
    EXPECT_EQ(reply_[at_], type);
    std::size_t end = reply_.find("\r\n", at_);
    long long value = std::stoll(reply_.substr(at_ + 1, end - at_ - 1));
    at_ = end + 2;
    return value;
  }
  std::string bulk() {
    auto length = static_cast<std::size_t>(header('$'));
    std::string data = reply_.substr(at_, length);
    at_ += length + 2;
    return data;
  }
  bool done() const { return at_ == reply_.size(); }

 private:
  std::string reply_;
  std::size_t at_ = 0;
};

std::string value_of(const std::string& field) {
  return "value:" + field.substr(field.find(':') + 1);
}

TEST(HashTest, RandomFieldsComeFromTheHash) {
  for (int fields : {5, 300, 2000}) {
    SCOPED_TRACE(fields);
    TestServer server;
    server.run(field_arguments("h", 0, fields));
    // Positive counts below the size: distinct fields (both of the sampling strategies of the
    // hashtable encoding: count * 3 above and below the size).
    for (long long count : {1LL, 3LL, fields / 2LL, fields - 1LL}) {
      ReplyReader reader(server.run({"hrandfield", "h", std::to_string(count), "withvalues"}));
      ASSERT_EQ(reader.header('*'), count * 2);
      std::set<std::string> seen;
      for (long long i = 0; i < count; ++i) {
        std::string field = reader.bulk();
        EXPECT_EQ(reader.bulk(), value_of(field));
        EXPECT_TRUE(seen.insert(field).second) << field;
      }
      EXPECT_TRUE(reader.done());
    }
    // Negative counts repeat fields as needed.
    ReplyReader reader(server.run({"hrandfield", "h", "-50"}));
    ASSERT_EQ(reader.header('*'), 50);
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) seen.insert(reader.bulk());
    for (const std::string& field : seen) {
      EXPECT_EQ(server.run({"hexists", "h", field}), ":1\r\n") << field;
    }
    if (fields < 50) EXPECT_EQ(seen.size(), static_cast<std::size_t>(fields));
    ReplyReader single(server.run({"hrandfield", "h"}));
    EXPECT_EQ(server.run({"hexists", "h", single.bulk()}), ":1\r\n");
  }
}

// Runs a full HSCAN of "h" with COUNT 10, calling `between_calls()` after each call; returns
// every field returned (checking each comes with its value).
template <class F>
std::set<std::string> scan_all(TestServer& server, F between_calls) {
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    ReplyReader reader(server.run({"hscan", "h", cursor, "count", "10"}));
    EXPECT_EQ(reader.header('*'), 2);
    cursor = reader.bulk();
    long long elements = reader.header('*');
    for (long long i = 0; i < elements; i += 2) {
      std::string field = reader.bulk();
      EXPECT_EQ(reader.bulk(), value_of(field));
      seen.insert(field);
    }
    between_calls();
    EXPECT_LT(++calls, 100000) << "the scan does not end";
  } while (cursor != "0" && calls < 100000);
  return seen;
}

TEST(HashTest, ScanReturnsEveryFieldPresentThroughoutWhileTheTableGrows) {
  TestServer server;
  server.run(field_arguments("h", 0, 1000));
  int added = 0;
  // Five new fields per call take the table past 1024 buckets and keep it rehashing while
  // the scan goes on.
  std::set<std::string> seen = scan_all(server, [&] {
    server.run(field_arguments("h", 1000 + added, 5));
    added += 5;
  });
  EXPECT_GT(1000 + added, 1024);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.count("field:" + std::to_string(i))) << i;
}

TEST(HashTest, ScanReturnsEveryFieldPresentThroughoutWhileTheTableShrinks) {
  TestServer server;
  server.run(field_arguments("h", 0, 2000));
  int removed = 0;
  // Fields 100 and up go, 100 per call, until the table shrinks under the scan.
  std::set<std::string> seen = scan_all(server, [&] {
    for (int i = 0; i < 100 && removed < 1900; ++i, ++removed) {
      server.run({"hdel", "h", "field:" + std::to_string(100 + removed)});
    }
  });
  EXPECT_EQ(server.run({"hlen", "h"}), ":100\r\n");
  // Redis 7.0.15 after the same deletions: the dict is still rehashing from 2048 buckets into
  // 256 (HSCAN does not advance a rehash).
  EXPECT_EQ(server.run({"memory", "usage", "h", "samples", "0"}), ":24136\r\n");
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count("field:" + std::to_string(i))) << i;
}

TEST(HashTest, ListpackScanIsOneCall) {
  TestServer server;
  server.run(field_arguments("h", 0, 100));
  ReplyReader reader(server.run({"hscan", "h", "0", "count", "1"}));
  EXPECT_EQ(reader.header('*'), 2);
  EXPECT_EQ(reader.bulk(), "0");
  EXPECT_EQ(reader.header('*'), 200);
}

TEST(HashTest, ValueStaysSmall) {
  // A listpack hash costs the vptr and the encoding's pointer (plus its tag) in one chunk.
  EXPECT_LE(sizeof(HashValue), 24u);
  EXPECT_LE(sizeof(HashField), 56u);
}

}  // namespace
}  // namespace gorodis::testing
